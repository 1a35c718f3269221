import type { RequestListener } from 'node:http';

/**
 * Works on one request per connection at a time. node parses every request a client pipelines
 * on a connection (all of them, when they came in one write) and emits each at once, queueing
 * their answers behind the first: a client that writes many costly requests and reads nothing
 * would have them all worked on together, their answers held in memory. Here a request whose
 * answer is queued (it has no socket yet) starts only when node hands it the connection, that is
 * once the previous answer's last byte went to the socket: a client that stops reading stops its
 * next request's work. HTTP/1.1 answers in order anyway, so this costs no latency; a request
 * that is first on its connection costs one property check. When the connection closes before
 * its turn, the request never starts.
 */
export function oneRequestPerConnection(listener: RequestListener): RequestListener {
  return function inConnectionOrder(req, res) {
    if (res.socket) return listener(req, res);
    // node emits 'socket' as it assigns the connection to the next queued answer.
    res.once('socket', () => listener(req, res));
  };
}
