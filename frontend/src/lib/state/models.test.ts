import { describe, expect, it } from 'vitest';
import { createApi, type Endpoint, type PullJob } from '../backend';
import { FakeTransport, settle } from '../../test/fakeTransport';
import { ModelsState } from './models.svelte';

const local: Endpoint = {
  id: 'local', name: 'This computer', kind: 'ollama', url: 'http://127.0.0.1:11434', hasKey: false,
  local: true, manageable: true, state: 'reachable', models: [], stale: false,
};

function job(over: Partial<PullJob>): PullJob {
  return { id: 'p1', endpointId: 'local', model: 'llama3.2', state: 'pulling', completed: 0, total: 0,
    bytesPerSecond: 0, secondsLeft: -1, startedAt: '2026-01-01T00:00:00Z', ...over };
}

function backend(): FakeTransport {
  return new FakeTransport()
    .on('endpoints.list', () => ({ endpoints: [local] }))
    .on('models.pulls', () => ({ jobs: [] }))
    .on('models.list', () => ({ endpointId: 'local', models: [{ name: 'tiny:latest', size: 1, modifiedAt: '' }], stale: false }))
    .on('models.running', () => ({ models: [] }));
}

describe('ModelsState', () => {
  it('keeps a pull that ended even when the call that started it answers later', async () => {
    let answer!: (j: PullJob) => void;
    const t = backend().on('models.pull', () => new Promise<PullJob>((r) => (answer = r)));
    const m = new ModelsState(createApi(t));
    m.start();
    await settle();
    const pulled = m.pull('llama3.2', false);
    await settle();
    t.emit({ seq: 1, name: 'models.pull', data: job({ state: 'error', error: 'the registry has no model' }) });
    answer(job({ state: 'pulling' }));
    expect(await pulled).toBe(true);
    expect(m.jobs.map((j) => j.state)).toEqual(['error']);
  });

  it('never moves a pull back to fewer bytes', async () => {
    const t = backend();
    const s = new ModelsState(createApi(t));
    s.start();
    await settle();
    t.emit({ seq: 1, name: 'models.pull', data: job({ completed: 500, total: 1000 }) });
    t.emit({ seq: 2, name: 'models.pull', data: job({ completed: 300, total: 1000 }) });
    expect(s.jobs[0]?.completed).toBe(500);
    t.emit({ seq: 3, name: 'models.pull', data: job({ state: 'done', completed: 1000, total: 1000 }) });
    expect(s.jobs[0]?.state).toBe('done');
  });

  it('shows a failure with its hint and keeps the list', async () => {
    const t = backend().fail('models.delete', { code: 'conflict', message: 'a reply is being written with tiny', hint: 'stop it' });
    const m = new ModelsState(createApi(t));
    m.start();
    await settle();
    expect(await m.remove('tiny')).toBe(false);
    expect(m.notice).toEqual({ code: 'conflict', message: 'a reply is being written with tiny', hint: 'stop it' });
    expect(m.list?.models.map((x) => x.name)).toEqual(['tiny:latest']);
    expect(t.callsOf('models.delete')[0]?.args).toEqual({ endpointId: 'local', name: 'tiny', confirm: true });
  });
});
