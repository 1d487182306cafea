import { abortError } from './errors.js';

/** One request for a `K`; settles once, however often it is resolved or rejected. */
export class Ticket<K, T> {
  private settled = false;

  constructor(
    readonly key: K,
    private readonly onResolve: (value: T) => void,
    private readonly onReject: (error: unknown) => void,
  ) {}

  get done(): boolean {
    return this.settled;
  }

  resolve(value: T): void {
    if (this.settled) return;
    this.settled = true;
    this.onResolve(value);
  }

  reject(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.onReject(error);
  }
}

/**
 * "Only the newest request matters": each new request rejects the one before it with an
 * `AbortError`, so a superseded result is never delivered and no promise is left pending.
 * Used for `seek()` on the element, and for the frame the decoder or the image sequence is
 * working towards.
 */
export class LatestRequest<K, T> {
  private ticket: Ticket<K, T> | null = null;

  /** The newest request, while it is unsettled. */
  get current(): Ticket<K, T> | null {
    return this.ticket && !this.ticket.done ? this.ticket : null;
  }

  /** Starts a request for `key`; the one before it rejects with an AbortError. */
  begin(key: K): { ticket: Ticket<K, T>; promise: Promise<T> } {
    this.cancel();
    let ticket!: Ticket<K, T>;
    const promise = new Promise<T>((resolve, reject) => (ticket = new Ticket(key, resolve, reject)));
    this.ticket = ticket;
    return { ticket, promise };
  }

  /** Whether `ticket` is still the newest, unsettled request. */
  isCurrent(ticket: Ticket<K, T>): boolean {
    return this.ticket === ticket && !ticket.done;
  }

  /** Rejects the newest request, if any (with an AbortError unless told otherwise). */
  cancel(error: unknown = abortError()): void {
    const ticket = this.ticket;
    this.ticket = null;
    ticket?.reject(error);
  }
}
