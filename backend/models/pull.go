package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/endpoints"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
)

// Job states.
const (
	Pulling   = "pulling"
	Done      = "done"
	Failed    = "error"
	Cancelled = "cancelled"
)

// Job is a pull as clients see it.
type Job struct {
	ID         string `json:"id"`
	EndpointID string `json:"endpointId"`
	Model      string `json:"model"`
	State      string `json:"state"`
	// Phase is the server's own word for what it does now: "pulling manifest", "pulling
	// 6a0746a1ec1a", "verifying sha256 digest", "writing manifest", "success".
	Phase     string `json:"phase,omitempty"`
	Completed int64  `json:"completed"` // bytes on disk, of Total known so far
	Total     int64  `json:"total"`
	// BytesPerSecond and SecondsLeft are measured while bytes arrive; SecondsLeft is -1 until
	// the speed is known.
	BytesPerSecond float64    `json:"bytesPerSecond"`
	SecondsLeft    float64    `json:"secondsLeft"`
	Error          string     `json:"error,omitempty"`
	StartedAt      time.Time  `json:"startedAt"`
	FinishedAt     *time.Time `json:"finishedAt,omitempty"`
}

// PullParams are the arguments of models.pull.
type PullParams struct {
	EndpointID string `json:"endpointId,omitempty"`
	Name       string `json:"name"`
	// Insecure allows a registry over plain http: for a registry on the person's own network.
	Insecure bool `json:"insecure,omitempty"`
}

// publishEvery bounds how often a job's progress is published: often enough to look live,
// rare enough that a fast download does not flood every client (Ollama reports every 60 ms).
const publishEvery = 250 * time.Millisecond

// keepFinished is how long a finished job stays in Jobs, so a person who comes back to the page
// sees how their pull ended.
const keepFinished = 30 * time.Minute

type job struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu          sync.Mutex
	view        Job
	progress    *progress
	publishedAt time.Time
}

func (j *job) snapshot() Job {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.view
}

// checkName accepts what people type for a model: one word, at most a few hundred bytes.
func checkName(name string) (string, error) {
	n := strings.TrimSpace(name)
	switch {
	case n == "":
		return "", fmt.Errorf("%w: the model name is empty; write it like llama3.2 or llama3.2:1b", ErrInvalid)
	case len(n) > 300 || strings.ContainsAny(n, " \t\r\n"):
		return "", fmt.Errorf("%w: %q is not a model name; write it like llama3.2 or llama3.2:1b", ErrInvalid, name)
	}
	return n, nil
}

// Pull starts pulling a model, or returns the pull of it already under way. The pull runs until
// it ends by itself or is cancelled, whoever asked for it and whatever becomes of them.
func (m *Manager) Pull(ctx context.Context, p PullParams) (Job, error) {
	name, err := checkName(p.Name)
	if err != nil {
		return Job{}, err
	}
	mgr, ep, err := m.eps.Manager(p.EndpointID)
	if err != nil {
		return Job{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pruneLocked(time.Now())
	for _, j := range m.jobs {
		v := j.snapshot()
		if v.State == Pulling && v.EndpointID == ep.ID && fullName(v.Model) == fullName(name) {
			return v, nil
		}
	}
	id, err := newJobID()
	if err != nil {
		return Job{}, err
	}
	jctx, cancel := context.WithCancel(m.ctx)
	j := &job{cancel: cancel, done: make(chan struct{}), progress: newProgress(),
		view: Job{ID: id, EndpointID: ep.ID, Model: name, State: Pulling, SecondsLeft: -1, StartedAt: time.Now().UTC()}}
	m.jobs = append(m.jobs, j)
	m.log.Info("pull started", "job", id, "endpoint", ep.ID, "model", name)
	m.bus.Publish(EventPull, j.view)
	go m.run(jctx, j, mgr, name, p.Insecure)
	return j.view, nil
}

func (m *Manager) run(ctx context.Context, j *job, mgr llm.ModelManager, name string, insecure bool) {
	defer close(j.done)
	err := mgr.Pull(ctx, name, insecure, func(p llm.PullProgress) { m.report(j, p) })
	now := time.Now().UTC()
	j.mu.Lock()
	v := &j.view
	v.FinishedAt = &now
	v.BytesPerSecond, v.SecondsLeft = 0, -1
	switch {
	case err == nil:
		v.State, v.Phase, v.SecondsLeft = Done, "success", 0
		v.Completed = v.Total
	case errors.Is(err, context.Canceled):
		v.State = Cancelled
		v.Error = "cancelled; what was downloaded is kept — pull it again to continue where it stopped"
	default:
		v.State, v.Error = Failed, err.Error()
	}
	final := *v
	j.mu.Unlock()
	j.cancel()
	m.log.Info("pull ended", "job", final.ID, "model", name, "state", final.State, "err", err)
	m.eps.Invalidate(final.EndpointID)
	m.bus.Publish(EventPull, final)
	if final.State == Done {
		m.bus.Publish(EventChanged, map[string]string{"endpointId": final.EndpointID})
	}
}

// report folds one progress report into the job and publishes it when it is time.
func (m *Manager) report(j *job, p llm.PullProgress) {
	now := time.Now()
	j.mu.Lock()
	j.progress.add(p, now)
	v := &j.view
	phaseChanged := v.Phase != p.Status
	v.Phase = p.Status
	v.Completed, v.Total = j.progress.completed(), j.progress.total()
	v.BytesPerSecond, v.SecondsLeft = j.progress.rate, j.progress.secondsLeft()
	publish := phaseChanged || now.Sub(j.publishedAt) >= publishEvery
	if publish {
		j.publishedAt = now
	}
	snap := *v
	j.mu.Unlock()
	if publish {
		m.bus.Publish(EventPull, snap)
	}
}

// Cancel stops a pull and returns it once it has stopped. Cancelling a finished pull does nothing.
func (m *Manager) Cancel(ctx context.Context, id string) (Job, error) {
	j := m.find(id)
	if j == nil {
		return Job{}, fmt.Errorf("%w: no pull %q (finished pulls are forgotten after %v)", ErrInvalid, id, keepFinished)
	}
	j.cancel()
	select {
	case <-j.done:
	case <-ctx.Done():
		return Job{}, fmt.Errorf("cancel pull %s: %w", id, ctx.Err())
	}
	return j.snapshot(), nil
}

// Jobs lists the pulls under way and those that ended recently, oldest first.
func (m *Manager) Jobs() []Job {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pruneLocked(time.Now())
	out := make([]Job, len(m.jobs))
	for i, j := range m.jobs {
		out[i] = j.snapshot()
	}
	return out
}

// Wait returns when the job has ended (for tests and shutdown).
func (m *Manager) Wait(ctx context.Context, id string) (Job, error) {
	j := m.find(id)
	if j == nil {
		return Job{}, fmt.Errorf("%w: no pull %q", ErrInvalid, id)
	}
	select {
	case <-j.done:
		return j.snapshot(), nil
	case <-ctx.Done():
		return Job{}, ctx.Err()
	}
}

func (m *Manager) find(id string) *job {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, j := range m.jobs {
		if j.snapshot().ID == id {
			return j
		}
	}
	return nil
}

// pulling tells whether the model is being pulled to the endpoint now.
func (m *Manager) pulling(endpointID, name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, j := range m.jobs {
		v := j.snapshot()
		if v.State == Pulling && v.EndpointID == endpointID && fullName(v.Model) == fullName(name) {
			return true
		}
	}
	return false
}

func (m *Manager) pruneLocked(now time.Time) {
	kept := m.jobs[:0]
	for _, j := range m.jobs {
		v := j.snapshot()
		if v.FinishedAt == nil || now.Sub(*v.FinishedAt) < keepFinished {
			kept = append(kept, j)
		}
	}
	m.jobs = kept
}

func newJobID() (string, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("new pull id: %w", err)
	}
	return "pull-" + hex.EncodeToString(b), nil
}

var _ Endpoints = (*endpoints.Registry)(nil)
