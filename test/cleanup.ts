// One afterAll for test files that open servers, workers, browsers and the like.

export interface Closable {
  close(): Promise<unknown>;
}

/**
 * Closes what a test file opened, one after another in the order given (contexts before their
 * browser, a worker before its server), skipping what beforeAll never got to open.
 */
export async function closeAll(...resources: ReadonlyArray<Closable | undefined>): Promise<void> {
  for (const resource of resources) await resource?.close();
}
