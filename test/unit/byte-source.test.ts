import { expect } from '@open-wc/testing';
import { CachedSource, StreamedBytes, parseContentRange } from '../../src/mp4/byte-source.js';
import { MissingBytesError } from '../../src/errors.js';

/** A file whose byte i is i % 251, read through a counting reader. */
function file() {
  const requests: Array<[number, number]> = [];
  const reader = async (start: number, end: number) => {
    requests.push([start, end]);
    return Uint8Array.from({ length: end - start }, (_, i) => (start + i) % 251);
  };
  return { requests, reader };
}

const expectBytes = (bytes: Uint8Array, offset: number) =>
  bytes.forEach((value, i) => {
    if (value !== (offset + i) % 251) throw new Error(`byte ${offset + i} is ${value}`);
  });

describe('CachedSource', () => {
  it('reads exact ranges across blocks, and serves repeats from its blocks', async () => {
    const { requests, reader } = file();
    const source = new CachedSource(1_000_000, reader);
    expectBytes(await source.read(70_000, 100_000), 70_000);
    const count = requests.length;
    expectBytes(await source.read(80_000, 5), 80_000);
    expect(requests.length).to.equal(count);
    expect(requests.length).to.be.at.most(2);
  });

  it('keeps within its byte budget however much is read, least recently used out first', async () => {
    const { reader } = file();
    const source = new CachedSource(10_000_000, reader, 300_000);
    for (let offset = 0; offset < 10_000_000 - 200_000; offset += 150_000) {
      expectBytes(await source.read(offset, 120_000), offset);
      expect(source.cachedBytes).to.be.at.most(300_000);
    }
  });

  it('a budget smaller than one read still answers it', async () => {
    const { reader } = file();
    const source = new CachedSource(1_000_000, reader, 1000);
    expectBytes(await source.read(10, 300_000), 10);
  });

  it('prefetch fetches a range in one request, and later reads hit it', async () => {
    const { requests, reader } = file();
    const source = new CachedSource(5_000_000, reader);
    source.prefetch(1_000_000, 900_000);
    expect(requests).to.have.length(1);
    for (let offset = 1_000_000; offset < 1_900_000; offset += 50_000) expectBytes(await source.read(offset, 40_000), offset);
    expect(requests).to.have.length(1);
  });

  it('a block is served as soon as its bytes are in, before the rest of its request; a failure later costs only the blocks not in', async () => {
    let finish: (ok: boolean) => void = () => {};
    const gate = new Promise<boolean>((resolve) => (finish = resolve));
    const requests: Array<[number, number]> = [];
    // Two blocks' worth of bytes: the first 64 KiB arrive at once, the rest when the gate opens.
    const reader = async (start: number, end: number, _signal: AbortSignal, onBytes?: (buffer: Uint8Array, received: number) => void) => {
      requests.push([start, end]);
      const buffer = new Uint8Array(end - start).map((_, i) => (start + i) % 251);
      onBytes?.(buffer, 65536);
      if (!(await gate)) throw new Error('connection dropped');
      return buffer;
    };
    const source = new CachedSource(1_000_000, reader);
    const first = source.read(100, 1000);
    const second = source.read(70_000, 1000).catch((error: unknown) => error);
    expectBytes(await first, 100); // the request is still open
    expect(requests).to.deep.equal([[0, 131072]]);
    finish(false);
    expect(await second).to.be.instanceOf(Error);
    expectBytes(await source.read(200, 10), 200); // kept
    expect(requests).to.have.length(1);
  });

  it('the bytes of a block still arriving are served as soon as they are in, not once the block is whole', async () => {
    let finish: (ok: boolean) => void = () => {};
    const gate = new Promise<boolean>((resolve) => (finish = resolve));
    let told: (buffer: Uint8Array, received: number) => void = () => {};
    const reader = async (start: number, end: number, _signal: AbortSignal, onBytes?: (buffer: Uint8Array, received: number) => void) => {
      const buffer = new Uint8Array(end - start).map((_, i) => (start + i) % 251);
      told = (b, received) => onBytes?.(b, received);
      told(buffer, 1000);
      if (!(await gate)) throw new Error('connection dropped');
      return buffer;
    };
    const source = new CachedSource(1_000_000, reader);
    expectBytes(await source.read(100, 900), 100); // in: served though block 0 is 1,000 of 65,536 bytes
    let later: Uint8Array | null = null;
    const pending = source.read(2000, 500).then((bytes) => (later = bytes));
    const failing = source.read(20_000, 10).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(later, 'not in yet').to.equal(null);
    told(new Uint8Array(131072).map((_, i) => i % 251), 3000);
    await pending;
    expectBytes(later!, 2000);
    expect(source.has(0, 10), 'a block is kept only once whole').to.equal(false);
    finish(false);
    expect(await failing).to.be.instanceOf(Error);
  });

  it('peek waits for bytes a request under way is about to bring, and asks for bytes far behind its front by themselves', async () => {
    const { requests, reader } = file();
    const source = new CachedSource(1_000_000, reader);
    let more: (buffer: Uint8Array, received: number) => void = () => {};
    const buffer = new Uint8Array(262144).map((_, i) => i % 251);
    source.adopt(262144, (_wanted, onBytes) => {
      more = onBytes;
      onBytes(buffer, 1000);
      return new Promise(() => {}); // the rest is slow to come
    });
    const near = source.peek!(5000, 100); // within a block of the 1,000 bytes in
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(requests, 'no request for bytes about to come').to.deep.equal([]);
    more(buffer, 6000);
    expectBytes(await near, 5000);
    expectBytes(await source.peek!(200_000, 100), 200_000); // far behind: by itself
    expect(requests).to.deep.equal([[200_000, 200_100]]);
  });

  it('adopts a response on its way (the probe): its whole blocks are read from it as they arrive, the rest by range', async () => {
    const { requests, reader } = file();
    const source = new CachedSource(1_000_000, reader);
    let open: (done: boolean) => void = () => {};
    const rest = new Promise<boolean>((resolve) => (open = resolve));
    const asked: number[] = [];
    // 100,000 bytes on their way: one whole block, served before the rest arrives.
    source.adopt(100_000, async (wanted, onBytes) => {
      asked.push(wanted);
      const buffer = new Uint8Array(wanted).map((_, i) => i % 251);
      onBytes(buffer, 65536);
      await rest;
      return buffer;
    });
    expect(asked).to.deep.equal([65536]); // whole blocks only
    expectBytes(await source.read(10, 100), 10);
    expect(requests).to.have.length(0);
    open(true);
    expectBytes(await source.read(70_000, 100), 70_000); // past the adopted block: a range request
    expect(requests).to.have.length(1);
  });

  it('a read asks for its missing blocks at once, while blocks before them are still on their way', async () => {
    const { requests, reader } = file();
    const source = new CachedSource(1_000_000, reader);
    let open: (done: boolean) => void = () => {};
    const rest = new Promise<boolean>((resolve) => (open = resolve));
    source.adopt(65536, async (wanted) => {
      await rest; // the probe's one block is slow to come
      return new Uint8Array(wanted).map((_, i) => i % 251);
    });
    const read = source.read(100, 300_000);
    await Promise.resolve();
    expect(requests, 'asked for before the probe is in').to.deep.equal([[65536, 327680]]);
    open(true);
    expectBytes(await read, 100);
  });

  it('past the end is a MissingBytesError; a short answer is a network error', async () => {
    const source = new CachedSource(1000, file().reader);
    const past = await source.read(900, 200).catch((error: unknown) => error);
    expect(past).to.be.instanceOf(MissingBytesError);
    const short = new CachedSource(1_000_000, async (start, end) => new Uint8Array(end - start - 1));
    const error = await short.read(0, 10).catch((e: unknown) => e);
    expect(error).to.have.property('code', 'network');
  });
});

describe('StreamedBytes', () => {
  it('waits for bytes, then fails reads past the end as truncated', async () => {
    const bytes = new StreamedBytes(null);
    const pending = bytes.read(2, 3);
    bytes.append(Uint8Array.of(0, 1, 2, 3, 4, 5));
    expect([...(await pending)]).to.deep.equal([2, 3, 4]);
    bytes.finish();
    expect(bytes.size).to.equal(6);
    expect(await bytes.read(4, 4).catch((e: unknown) => e)).to.be.instanceOf(MissingBytesError);
  });
});

describe('parseContentRange', () => {
  it('reads start, end (exclusive) and total', () => {
    expect(parseContentRange('bytes 0-99/1000')).to.deep.equal({ start: 0, end: 100, total: 1000 });
    expect(parseContentRange('bytes 5-9/*')).to.deep.equal({ start: 5, end: 10, total: null });
    expect(parseContentRange('items 0-1/2')).to.equal(null);
    expect(parseContentRange(null)).to.equal(null);
  });
});
