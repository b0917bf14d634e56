import {
  BackendError,
  type Api,
  type BackendEvent,
  type Endpoint,
  type EndpointParams,
  type ModelDetails,
  type ModelList,
  type PullJob,
  type RunningModel,
} from '../backend';

/** A failure shown inside the model manager, with what to do. */
export interface Notice {
  code: string;
  message: string;
  hint?: string;
}

/**
 * The model manager's state: the servers, the chosen server's models and loaded models, and every
 * pull. It is loaded when the manager opens and kept up by events; pulls live in the backend, so
 * a manager opened again (or in another window) finds them where they are.
 */
export class ModelsState {
  endpoints = $state<Endpoint[]>([]);
  endpointId = $state('local');
  list = $state<ModelList | null>(null);
  running = $state<RunningModel[]>([]);
  jobs = $state<PullJob[]>([]);
  /** Details by model name, once asked for. */
  details = $state<Record<string, ModelDetails>>({});
  notice = $state<Notice | null>(null);
  loading = $state(false);

  readonly endpoint = $derived(this.endpoints.find((e) => e.id === this.endpointId) ?? null);

  constructor(private readonly api: Api) {}

  /** Loads everything and follows the events; returns a function that stops. */
  start(): () => void {
    const off = this.api.events.subscribe((ev) => this.onEvent(ev));
    void this.load();
    return off;
  }

  async load(): Promise<void> {
    this.loading = true;
    await Promise.all([
      this.guard(async () => (this.endpoints = await this.api.endpoints.list())),
      this.guard(async () => (this.jobs = await this.api.models.pulls())),
      this.loadModels(),
    ]);
    this.loading = false;
  }

  async choose(endpointId: string): Promise<void> {
    this.endpointId = endpointId;
    this.details = {};
    this.running = [];
    this.list = null;
    await this.loadModels();
  }

  async loadModels(): Promise<void> {
    const id = this.endpointId;
    await Promise.all([
      this.guard(async () => {
        const l = await this.api.models.listOn(id);
        if (this.endpointId === id) this.list = l;
      }),
      this.loadRunning(),
    ]);
  }

  async loadRunning(): Promise<void> {
    const id = this.endpointId;
    const ep = this.endpoints.find((e) => e.id === id);
    if (ep && !ep.manageable) {
      this.running = [];
      return;
    }
    try {
      const rs = await this.api.models.running(id);
      if (this.endpointId === id) this.running = rs;
    } catch {
      // A server that is down has nothing loaded to show; its status already says why.
      if (this.endpointId === id) this.running = [];
    }
  }

  async showDetails(name: string): Promise<boolean> {
    return this.guard(async () => {
      const d = await this.api.models.details(this.endpointId, name);
      this.details = { ...this.details, [name]: d };
    });
  }

  async pull(name: string, insecure: boolean): Promise<boolean> {
    const n = name.trim();
    if (!n) return false;
    return this.guard(async () => this.upsertJob(await this.api.models.pull(this.endpointId, n, insecure)));
  }

  async cancel(jobId: string): Promise<boolean> {
    return this.guard(async () => this.upsertJob(await this.api.models.cancelPull(jobId)));
  }

  async remove(name: string): Promise<boolean> {
    return this.guard(async () => {
      await this.api.models.delete(this.endpointId, name);
      await this.loadModels();
    });
  }

  async unload(name: string): Promise<boolean> {
    return this.guard(async () => {
      await this.api.models.unload(this.endpointId, name);
      // Ollama unloads just after answering; ask again a moment later.
      await new Promise((r) => setTimeout(r, 300));
      await this.loadRunning();
    });
  }

  // The answer to add or update says "checking", yet the check may already have finished and
  // been announced (a server that refuses at once): the list asked for afterwards is current.
  async addEndpoint(p: EndpointParams): Promise<boolean> {
    return this.guard(async () => {
      await this.api.endpoints.add(p);
      this.endpoints = await this.api.endpoints.list();
    });
  }

  async updateEndpoint(id: string, changes: { name?: string; url?: string; apiKey?: string }): Promise<boolean> {
    return this.guard(async () => {
      await this.api.endpoints.update(id, changes);
      this.endpoints = await this.api.endpoints.list();
    });
  }

  async removeEndpoint(id: string): Promise<boolean> {
    return this.guard(async () => {
      await this.api.endpoints.remove(id);
      this.endpoints = this.endpoints.filter((e) => e.id !== id);
      if (this.endpointId === id) await this.choose('local');
    });
  }

  async checkEndpoints(): Promise<boolean> {
    return this.guard(async () => (this.endpoints = await this.api.endpoints.check()));
  }

  dismiss(): void {
    this.notice = null;
  }

  private onEvent(ev: BackendEvent): void {
    switch (ev.name) {
      case 'models.pull':
        this.upsertJob(ev.data);
        return;
      case 'models.changed':
        if (ev.data.endpointId === this.endpointId) void this.loadModels();
        return;
      case 'endpoints.changed': {
        this.endpoints = ev.data.endpoints;
        const mine = this.endpoints.find((e) => e.id === this.endpointId);
        // A list served stale is refreshed in the background; take the fresh one when it comes.
        if (mine && this.list && mine.modelsAt && mine.modelsAt !== this.list.fetchedAt && mine.state === 'reachable') {
          this.list = { endpointId: mine.id, models: mine.models, fetchedAt: mine.modelsAt, stale: false };
        }
        return;
      }
      case 'resync':
        void this.load();
        return;
    }
  }

  /**
   * Takes the newer of two views of a job. A call's result can arrive after events the job sent
   * later (a pull that fails at once is over before models.pull returns): a job only moves from
   * pulling to an end and its bytes only grow, so an older view never replaces a newer one.
   */
  private upsertJob(j: PullJob): void {
    const i = this.jobs.findIndex((x) => x.id === j.id);
    const held = this.jobs[i];
    if (!held) {
      this.jobs = [...this.jobs, j];
      return;
    }
    if (held.state !== 'pulling' && j.state === 'pulling') return;
    if (held.state === 'pulling' && j.state === 'pulling' && j.completed < held.completed) return;
    this.jobs[i] = j;
  }

  private async guard(call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (err) {
      const e = BackendError.from(err);
      this.notice = { code: e.code, message: e.message, hint: e.hint };
      return false;
    }
  }
}
