package models

import (
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
)

// progress turns Ollama's per-layer reports into one figure for the whole model: bytes done of
// bytes known, the speed, and the time left.
//
// Ollama reports each layer ("pulling <digest>") with its own total and completed, one layer
// after the other; the totals add up as layers appear. A resumed pull starts a layer at the bytes
// already on disk, which must not count as speed.
type progress struct {
	layers map[string]layer
	order  []string

	// The speed is measured over windows of at least speedWindow, smoothed so one slow moment
	// does not swing the time left around.
	sampleAt    time.Time
	sampleBytes int64
	rate        float64 // bytes per second, smoothed; 0 until measured
}

type layer struct{ total, completed int64 }

// speedWindow is the shortest interval a speed is measured over: Ollama reports every 60 ms,
// far too often for a steady figure.
const speedWindow = 500 * time.Millisecond

// smoothing is the weight of the newest window in the smoothed speed.
const smoothing = 0.3

func newProgress() *progress { return &progress{layers: map[string]layer{}} }

// add records one report at time now.
func (p *progress) add(r llm.PullProgress, now time.Time) {
	if r.Digest == "" || r.Total <= 0 {
		return
	}
	l, seen := p.layers[r.Digest]
	if !seen {
		p.order = append(p.order, r.Digest)
		// The first report of a layer may carry bytes from an earlier, cancelled pull (or the
		// whole layer, already on disk): they are the starting point, not downloaded in no time.
		p.sampleBytes += r.Completed
		if p.sampleAt.IsZero() {
			p.sampleAt = now
		}
	}
	l.total = r.Total
	if r.Completed > l.completed {
		l.completed = r.Completed
	}
	p.layers[r.Digest] = l
	done := p.completed()
	if elapsed := now.Sub(p.sampleAt); elapsed >= speedWindow {
		window := float64(done-p.sampleBytes) / elapsed.Seconds()
		if p.rate == 0 {
			p.rate = window
		} else {
			p.rate = smoothing*window + (1-smoothing)*p.rate
		}
		p.sampleAt, p.sampleBytes = now, done
	}
}

func (p *progress) completed() int64 {
	var n int64
	for _, l := range p.layers {
		n += l.completed
	}
	return n
}

func (p *progress) total() int64 {
	var n int64
	for _, l := range p.layers {
		n += l.total
	}
	return n
}

// secondsLeft is the time the bytes known to be missing take at the current speed; -1 when the
// speed is not known yet.
func (p *progress) secondsLeft() float64 {
	if p.rate <= 0 {
		return -1
	}
	left := p.total() - p.completed()
	if left <= 0 {
		return 0
	}
	return float64(left) / p.rate
}
