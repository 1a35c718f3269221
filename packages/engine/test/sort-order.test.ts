import { expect } from 'chai';
import { OpenStackError } from '@k2k/common';
import { readSortOrder, reversed, sortParams } from '../src/aggregate/sort-order.js';
import { pageLimit, pageQuery, pageReverse, pagingSemantics } from '../src/aggregate/list-paging.js';
import { fieldSelection, listShape } from '../src/aggregate/list-shape.js';
import { stateBefore } from '../src/aggregate/merge.js';

const order = (query: string, api: string) => readSortOrder(new URLSearchParams(query), api);

/** The aggregate step's reading of a list's order and paging, per API. No federation. */
describe('merged lists: sort order and paging parameters', () => {
  it("reads both forms, defaults to newest first, and ends every order with the id in the last key's direction", () => {
    expect(order('', 'block-storage')).to.deep.include({ keys: [['created_at', 'desc'], ['id', 'desc']], fields: ['created_at', 'id'], form: 'sort' });
    expect(order('sort=size:asc,name', 'block-storage').keys).to.deep.equal([['size', 'asc'], ['name', 'desc'], ['id', 'desc']]);
    expect(order('sort_key=name&sort_key=size&sort_dir=asc', 'image')).to.deep.include({ keys: [['name', 'asc'], ['size', 'asc'], ['id', 'asc']], form: 'sort_key' });
  });

  it("orders by the field each service shows: Cinder's display_name is name; Nova's created_at is created, its id key uuid", () => {
    expect(order('sort_key=display_name&sort_dir=asc', 'block-storage').fields).to.deep.equal(['name', 'id']);
    expect(order('sort_key=created_at', 'compute')).to.deep.include({ keys: [['created_at', 'desc'], ['uuid', 'desc']], fields: ['created', 'id'] });
  });

  it('writes the order back in the form each service takes', () => {
    const both = order('sort_key=name&sort_dir=asc', 'block-storage');
    expect(sortParams(both, 'block-storage')).to.deep.equal([['sort', 'name:asc,id:asc']]);
    expect(sortParams(order('sort=name:asc', 'compute'), 'compute')).to.deep.equal([['sort_key', 'name'], ['sort_dir', 'asc'], ['sort_key', 'uuid'], ['sort_dir', 'asc']]);
    expect(sortParams(order('sort_key=name', 'image'), 'image')).to.deep.equal([['sort_key', 'name'], ['sort_dir', 'desc'], ['sort_key', 'id'], ['sort_dir', 'desc']]);
  });

  it('refuses both forms at once, a bad direction or key, with 400', () => {
    for (const query of ['sort=name&sort_key=size', 'sort=name:sideways', 'sort_key=a%20b']) {
      expect(() => order(query, 'block-storage'), query).to.throw(OpenStackError).with.property('status', 400);
    }
  });

  it("takes limit=0 where Cinder does (an empty list), and refuses it elsewhere", () => {
    expect(pageLimit('0', 1000, pagingSemantics('block-storage'))).to.equal(0);
    expect(() => pageLimit('0', 1000, pagingSemantics('image'))).to.throw(OpenStackError).with.property('status', 400);
    expect(pageLimit(null, 1000, pagingSemantics('image'))).to.equal(1000);
    expect(pagingSemantics('block-storage').unknownMarkerStatus).to.equal(404);
  });

  it("Neutron's: the id ascending by default, sort_key/sort_dir in pairs, limit=0 as no limit, page_reverse", () => {
    expect(order('', 'network').keys).to.deep.equal([['id', 'asc']]);
    expect(sortParams(order('sort_key=name&sort_dir=desc', 'network'), 'network')).to.deep.equal([['sort_key', 'name'], ['sort_dir', 'desc'], ['sort_key', 'id'], ['sort_dir', 'desc']]);
    expect(() => order('sort_key=name&sort_key=status&sort_dir=asc', 'network')).to.throw(OpenStackError).with.property('status', 400);
    expect(reversed(order('sort_key=name&sort_dir=desc', 'network')).keys).to.deep.equal([['name', 'asc'], ['id', 'asc']]);
    const neutron = pagingSemantics('network');
    expect([pageLimit('0', 1000, neutron), pageLimit('5', 1000, neutron), neutron.unknownMarkerStatus]).to.deep.equal([1000, 5, 404]);
    expect([pageReverse(new URLSearchParams('page_reverse=True'), neutron), pageReverse(new URLSearchParams('page_reverse=true'), pagingSemantics('compute'))]).to.deep.equal([true, false]);
    expect(pageQuery([['name', 'x']], new URLSearchParams('limit=2&page_reverse=True&marker=m'), 'k2k1.next', true)).to.equal('name=x&limit=2&marker=k2k1.next&page_reverse=True');
  });

  it("Neutron's fields: each cloud is asked for the id and sort fields too, the page shows what was asked", () => {
    const sorted = order('sort_key=name&sort_dir=asc', 'network');
    expect(fieldSelection(listShape('network', 'networks', false), [['fields', 'status']], sorted.fields)).to.deep.equal({ shown: ['status'], sent: [['fields', 'status'], ['fields', 'id'], ['fields', 'name']] });
    expect(fieldSelection(listShape('network', 'networks', false), [['name', 'x']], sorted.fields)).to.deep.equal({ sent: [['name', 'x']] });
    expect(fieldSelection(listShape('block-storage', 'volumes', false), [['fields', 'status']], sorted.fields)).to.deep.equal({ shown: ['id', 'name', 'links'], sent: [['fields', 'status']] });
  });

  it('the page before this one starts each cloud at its first item read, from its start when it had none, by scan where it failed', () => {
    const sorted = order('', 'network');
    const read = new Map([
      ['local', [{ id: 'b' }, { id: 'd' }]],
      ['sp1', []],
    ]);
    expect(stateBefore(['local', 'sp1', 'sp2'], read, new Set(['sp2']), { id: 'b' }, sorted)).to.deep.equal({
      local: { after: { id: 'b', values: ['b'] } },
      sp1: {},
      sp2: { after: { id: 'b', values: ['b'] }, scan: true },
    });
  });
});
