package notify

import (
	"context"
	"log/slog"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/status"
)

// Sender shows a notification on the desktop. replaces is the id of an earlier notification
// this one takes the place of (0: none); the new one's id is returned.
type Sender interface {
	Send(ctx context.Context, n Notification, replaces uint32) (uint32, error)
}

// DefaultGap is the least time between two notifications of one kind: a connection that flaps
// tells the person once, and then how it ended up.
const DefaultGap = 30 * time.Second

// Notifier sends notifications for the status changes that matter.
type Notifier struct {
	send    Sender
	enabled func() bool
	log     *slog.Logger
	rules   *rules
	ids     map[string]uint32 // the last notification of each kind, replaced by the next
}

// New returns a notifier that sends through send while enabled reports true (the person's
// setting), at most one notification per kind per gap.
func New(send Sender, enabled func() bool, gap time.Duration, log *slog.Logger) *Notifier {
	return &Notifier{send: send, enabled: enabled, log: log, rules: newRules(gap), ids: map[string]uint32{}}
}

// Run follows changes, starting from initial, until ctx ends or changes is closed.
func (n *Notifier) Run(ctx context.Context, initial status.Status, changes <-chan status.Status) {
	last := initial
	var timer *time.Timer
	var timerC <-chan time.Time
	observe := func() {
		out, again := n.rules.observe(last, time.Now(), n.enabled())
		for _, msg := range out {
			id, err := n.send.Send(ctx, msg, n.ids[msg.Kind])
			if err != nil {
				n.log.Warn("desktop notification not shown", "summary", msg.Summary, "error", err)
				continue
			}
			n.ids[msg.Kind] = id
			n.log.Info("desktop notification", "summary", msg.Summary)
		}
		if timer != nil {
			timer.Stop()
			timer, timerC = nil, nil
		}
		if !again.IsZero() {
			timer = time.NewTimer(time.Until(again))
			timerC = timer.C
		}
	}
	observe()
	for {
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return
		case s, ok := <-changes:
			if !ok {
				return
			}
			last = s
			observe()
		case <-timerC:
			timer, timerC = nil, nil
			observe()
		}
	}
}
