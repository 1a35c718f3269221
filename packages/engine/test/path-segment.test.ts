import { expect } from 'chai';
import { OpenStackError } from '@k2k/common';
import { pathSegment, segmentFault } from '../src/parse/path-segment.js';

describe('pathSegment: one rule for every segment put into a path', () => {
  it('refuses what is no single plain segment, naming it and why', () => {
    const faults: [string, string][] = [
      ['', 'is empty'],
      ['.', 'is a dot segment'],
      ['..', 'is a dot segment'],
      ['../../limits', 'contains a slash or backslash'],
      ['a\\b', 'contains a slash or backslash'],
      ['a\u0000', 'contains a control character'],
      ['a\nb', 'contains a control character'],
      ['a\tb', 'contains a control character'],
      ['a\u007f', 'contains a control character'],
    ];
    for (const [text, fault] of faults) {
      expect(segmentFault(text), JSON.stringify(text)).to.equal(fault);
      expect(() => pathSegment(text, 'The marker'), JSON.stringify(text))
        .to.throw(OpenStackError, `The marker ${JSON.stringify(text)} ${fault}`)
        .with.property('status', 400);
    }
  });

  it('encodes an id as one segment, whatever it holds', () => {
    expect(pathSegment('6a0e1b1c-0d8c-4e6b-9a50-5d1f1f0c3b2a', 'The marker')).to.equal('6a0e1b1c-0d8c-4e6b-9a50-5d1f1f0c3b2a');
    expect(pathSegment('a b?c#d%e', 'The marker')).to.equal('a%20b%3Fc%23d%25e');
    expect(pathSegment('...', 'The marker')).to.equal('...');
    expect(pathSegment('tëst', 'The marker')).to.equal('t%C3%ABst');
  });
});
