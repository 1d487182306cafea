/** A `TimeRanges` like `<video>`'s `buffered` and `seekable`: sorted, disjoint [start, end] spans. */
export class MediaTimeRanges implements TimeRanges {
  private readonly spans: ReadonlyArray<readonly [number, number]>;

  constructor(spans: ReadonlyArray<readonly [number, number]> = []) {
    this.spans = spans;
  }

  get length(): number {
    return this.spans.length;
  }

  start(index: number): number {
    return this.span(index)[0];
  }

  end(index: number): number {
    return this.span(index)[1];
  }

  private span(index: number): readonly [number, number] {
    const span = this.spans[index];
    if (!span) throw new DOMException(`Index ${index} is outside the ${this.length} time range(s).`, 'IndexSizeError');
    return span;
  }
}
