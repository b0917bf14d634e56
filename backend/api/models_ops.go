package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/endpoints"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/models"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/secrets"
)

// registerModels adds the model manager, the server list and the context estimate (issue 6).
//
// Who may do what from a browser far away: looking is open (the lists, details, what is loaded,
// pull progress, the estimate), and so is unloading (it only frees memory). Pulling, cancelling a
// pull and deleting change what is on the disk, so they need the person's leave: the
// remoteModelChanges setting, which only the desktop can turn on. Adding, changing or removing a
// server would let a remote caller point the desktop at any address, so those stay on the
// desktop, as the Ollama address does.
func (o *Ops) registerModels(s Services) {
	eps, mgr := s.Endpoints, s.Manager
	reg := func(name string, remote bool, f func(ctx context.Context, args json.RawMessage) (any, error)) {
		o.ops[name] = op{remote: remote, call: modelErrors(f)}
	}
	// allowed refuses model changes to a remote caller the person has not allowed.
	allowed := func(ctx context.Context) error {
		if callerFrom(ctx) == Remote && !s.Settings.Get().RemoteModelChanges {
			return newError(http.StatusForbidden, "forbidden", "pulling and deleting models from a browser is turned off",
				"Turn on “Allow model changes from the browser” in Settings on the desktop.")
		}
		return nil
	}

	// models.list replaces the single-server listing: the same {models} plus which server, when
	// the list was fetched and whether it is stale.
	reg("models.list", true, handle(func(ctx context.Context, a struct {
		EndpointID string `json:"endpointId,omitempty"`
	}) (endpoints.ModelList, error) {
		l, err := eps.ModelList(ctx, a.EndpointID)
		if err != nil && (a.EndpointID == "" || a.EndpointID == endpoints.LocalID) {
			s.Status.Poke()
		}
		return l, err
	}))
	reg("models.details", true, handle(mgr.Details))
	reg("models.running", true, handle(func(ctx context.Context, a struct {
		EndpointID string `json:"endpointId,omitempty"`
	}) (runningList, error) {
		rs, err := mgr.Running(ctx, a.EndpointID)
		return runningList{Models: rs}, err
	}))
	reg("models.unload", true, handle(func(ctx context.Context, p models.ModelParams) (struct{}, error) {
		return struct{}{}, mgr.Unload(ctx, p)
	}))
	reg("models.pull", true, handle(func(ctx context.Context, p models.PullParams) (models.Job, error) {
		if err := allowed(ctx); err != nil {
			return models.Job{}, err
		}
		return mgr.Pull(ctx, p)
	}))
	reg("models.pulls", true, handle(func(ctx context.Context, _ struct{}) (jobList, error) {
		return jobList{Jobs: mgr.Jobs()}, nil
	}))
	reg("models.cancelPull", true, handle(func(ctx context.Context, a idArgs) (models.Job, error) {
		if err := allowed(ctx); err != nil {
			return models.Job{}, err
		}
		return mgr.Cancel(ctx, a.ID)
	}))
	reg("models.delete", true, handle(func(ctx context.Context, p models.DeleteParams) (struct{}, error) {
		if err := allowed(ctx); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, mgr.Delete(ctx, p)
	}))
	reg("context.estimate", true, handle(mgr.Estimate))
	reg("context.summarize", true, handle(func(ctx context.Context, p models.SummaryParams) (conversationResult, error) {
		c, err := mgr.Summarize(ctx, p)
		return conversationResult{Conversation: c}, err
	}))

	reg("endpoints.list", true, handle(func(ctx context.Context, _ struct{}) (endpointList, error) {
		return endpointList{Endpoints: eps.List()}, nil
	}))
	reg("endpoints.check", true, handle(func(ctx context.Context, _ struct{}) (endpointList, error) {
		eps.CheckAll(ctx)
		return endpointList{Endpoints: eps.List()}, nil
	}))
	reg("endpoints.add", false, handle(eps.Add))
	reg("endpoints.update", false, handle(eps.Update))
	reg("endpoints.remove", false, handle(func(ctx context.Context, a idArgs) (struct{}, error) {
		return struct{}{}, eps.Remove(ctx, a.ID)
	}))
}

type runningList struct {
	Models []llm.RunningModel `json:"models"`
}

type jobList struct {
	Jobs []models.Job `json:"jobs"`
}

type endpointList struct {
	Endpoints []endpoints.Status `json:"endpoints"`
}

// modelErrors gives the manager's and the server list's errors their API codes, with a hint;
// anything else goes on to toError.
func modelErrors(f func(context.Context, json.RawMessage) (any, error)) func(context.Context, json.RawMessage) (any, error) {
	return func(ctx context.Context, args json.RawMessage) (any, error) {
		res, err := f(ctx, args)
		if err == nil {
			return res, nil
		}
		var e *Error
		switch {
		case errors.As(err, &e):
			return nil, e
		case errors.Is(err, endpoints.ErrUnknown):
			return nil, newError(http.StatusNotFound, "not_found", err.Error(), "Reload the list of servers.")
		case errors.Is(err, endpoints.ErrInvalid), errors.Is(err, models.ErrInvalid), errors.Is(err, endpoints.ErrNotManageable):
			return nil, newError(http.StatusBadRequest, "bad_request", err.Error(), "")
		case errors.Is(err, models.ErrInUse):
			return nil, newError(http.StatusConflict, "conflict", err.Error(), "")
		case errors.Is(err, llm.ErrUnauthorized):
			return nil, newError(http.StatusBadGateway, "unauthorized_key", err.Error(), "Check the server's API key in Settings → Servers.")
		case errors.Is(err, secrets.ErrLocked):
			return nil, newError(http.StatusServiceUnavailable, "keyring_locked", err.Error(), "Unlock the keyring, then try again.")
		case errors.Is(err, secrets.ErrUnavailable):
			return nil, newError(http.StatusServiceUnavailable, "keyring_unavailable", err.Error(),
				"There is no keyring in this session; a server that needs an API key cannot be saved here.")
		case errors.Is(err, llm.ErrModelNotFound):
			return nil, newError(http.StatusNotFound, "model_not_found", err.Error(), "Check the name; the model library lists what can be pulled.")
		}
		return nil, err
	}
}
