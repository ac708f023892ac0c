/**
 * What a Lambda entry needs (the API, the runtime's ports) is built by the composition root once per
 * container, on the first invocation; a failed cold start is retried by the next invocation.
 */
export interface Lazy<T> {
  /** Sets how the value is built (the composition root calls it at module load). */
  configure(create: () => Promise<T> | T): void;
  get(): Promise<T>;
}

/** `what`: the module, `configureName`: the function its composition root calls (both named in the error). */
export function lazy<T>(what: string, configureName: string): Lazy<T> {
  let factory: (() => Promise<T> | T) | undefined;
  let instance: Promise<T> | undefined;
  return {
    configure(create) {
      factory = create;
      instance = undefined;
    },
    get() {
      if (!factory) return Promise.reject(new Error(`${what}: ${configureName}() was not called by the composition root`));
      const create = factory;
      instance ??= Promise.resolve()
        .then(create)
        .catch((error: unknown) => {
          instance = undefined;
          throw error;
        });
      return instance;
    },
  };
}
