package endpoints

import (
	"context"
	"encoding/json"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
)

// The model lists are kept across restarts, so a server that is down when the app starts still
// shows what it had (marked stale) instead of nothing.
const cacheKey = "endpoints.models"

// cacheRefresh is how often an unchanged list is saved again, so the date shown with a stale list
// is not much older than the last time the server really answered.
const cacheRefresh = 10 * time.Minute

type cachedList struct {
	Models   []llm.Model `json:"models"`
	ModelsAt time.Time   `json:"modelsAt"`
}

// loadCache fills the entries' model lists from the last run, marked stale until checked. A cache
// that cannot be read is only logged: it is a convenience, not data.
func (r *Registry) loadCache(ctx context.Context) {
	raw, ok, err := r.opt.Storage.GetSetting(ctx, cacheKey)
	if err != nil || !ok {
		if err != nil {
			r.opt.Log.Warn("could not read the cached model lists", "err", err)
		}
		return
	}
	var cache map[string]cachedList
	if err := json.Unmarshal([]byte(raw), &cache); err != nil {
		r.opt.Log.Warn("the cached model lists are not valid JSON; ignoring them", "err", err)
		return
	}
	for _, e := range r.entries {
		if c, ok := cache[e.ep.ID]; ok && len(c.Models) > 0 {
			at := c.ModelsAt
			e.status.Models, e.status.ModelsAt, e.status.Stale = c.Models, &at, true
		}
	}
}

// saveCacheLocked writes every endpoint's model list if one of them changed or has not been
// saved for cacheRefresh. It runs in the background: nothing waits on it.
func (r *Registry) saveCacheLocked(changed bool) {
	now := time.Now()
	if !changed && now.Sub(r.cacheSaved) < cacheRefresh {
		return
	}
	r.cacheSaved = now
	cache := map[string]cachedList{}
	for _, e := range r.entries {
		if e.status.ModelsAt != nil {
			cache[e.ep.ID] = cachedList{Models: e.status.Models, ModelsAt: *e.status.ModelsAt}
		}
	}
	raw, err := json.Marshal(cache)
	if err != nil {
		r.opt.Log.Warn("could not encode the model lists", "err", err)
		return
	}
	r.pendingCache = string(raw)
	select {
	case r.cacheWrites <- struct{}{}:
	default: // a write is already due; it takes the newest lists
	}
}

// writeCache saves the newest lists whenever saveCacheLocked asks, until ctx ends.
func (r *Registry) writeCache(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.cacheWrites:
			r.mu.Lock()
			raw := r.pendingCache
			r.mu.Unlock()
			wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			if err := r.opt.Storage.SetSetting(wctx, cacheKey, raw); err != nil {
				r.opt.Log.Warn("could not save the model lists", "err", err)
			}
			cancel()
		}
	}
}
