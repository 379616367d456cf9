// The order test files start in (vitest.config.ts, `sequence.sequencer`). Vitest's own order runs
// the projects one after another by name (browser, integration, slow, unit) and, within one, the
// longest (by its cache) or largest files first. That left the slow project's long files — the
// hostile corpus, the process and fault suites, each in a process of its own — for the end of the
// run, where one of the two workers often ran alone for minutes.
//
// Here the slow project goes first: its files are isolated (a fresh process each), so starting
// them earlier costs no reuse, and the shared-process projects that follow (browser, integration,
// unit, ordered as vitest orders them) end the run with many short files that pack the two
// workers to the last seconds.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The project whose files start first. */
export const FIRST_PROJECT = 'slow';

export default class TestSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return [...sorted.filter((f) => f.project.name === FIRST_PROJECT), ...sorted.filter((f) => f.project.name !== FIRST_PROJECT)];
  }
}
