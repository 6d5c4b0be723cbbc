import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { historiesDir } from './support/histories';

/**
 * Determinism guard: histories recorded from real runs of every workflow path (RECORD_HISTORIES=1 npm
 * test) must replay against the current workflow code. A change that breaks one needs patching.
 */
describe('replay of recorded workflow histories', () => {
  // Histories recorded by every version of the workflows that may still have runs open (a folder per
  // version, e.g. before-robustness/), and by the current one (the top level).
  const files = readdirSync(historiesDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .sort();

  it('has fixtures for the order, connection and return workflows', () => {
    const names = files.join(' ');
    expect(names).toMatch(/order-/);
    expect(names).toMatch(/connection-/);
    expect(names).toMatch(/return-/);
    expect(names).toMatch(/before-robustness\/order-/);
    expect(names).toMatch(/before-slots\/connection-/);
    expect(names).toMatch(/before-status-in-step\/order-/);
    expect(names).toMatch(/before-patches-at-start\/order-/);
    expect(names).toMatch(/before-import-writes-status\/order-/);
    expect(names).toMatch(/before-accept-in-fetch\/order-/);
  });

  it.each(files)('%s replays without nondeterminism', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(historiesDir, file), 'utf8')));
    await expect(
      Worker.runReplayHistory({ workflowBundle: { code: inject('workflowBundleCode') } }, history, file),
    ).resolves.toBeUndefined();
  });
});
