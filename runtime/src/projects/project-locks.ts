/**
 * One operation per project at a time on this replica (start, stop, restart, resume,
 * hand-over): each waits for the one before it, in arrival order. A stop that arrives while
 * a start waits on the driver therefore stops what that start launched, instead of finding
 * nothing yet and letting the run start unsupervised afterwards.
 */
interface Queue {
  /** Settles when the last operation queued so far has finished. */
  tail: Promise<void>;
  /** Operations running or waiting. */
  size: number;
}

export class ProjectLocks {
  private readonly queues = new Map<string, Queue>();

  /** Whether an operation on the project runs or waits here right now. */
  isHeld(projectId: string): boolean {
    return this.queues.has(projectId);
  }

  async run<T>(projectId: string, operation: () => Promise<T>): Promise<T> {
    const queue = this.queues.get(projectId) ?? { tail: Promise.resolve(), size: 0 };
    this.queues.set(projectId, queue);
    queue.size += 1;
    const previous = queue.tail;
    let finished!: () => void;
    queue.tail = new Promise<void>((resolve) => (finished = resolve));
    try {
      await previous;
      return await operation();
    } finally {
      finished();
      queue.size -= 1;
      if (queue.size === 0) this.queues.delete(projectId);
    }
  }
}
