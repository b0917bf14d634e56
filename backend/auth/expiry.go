package auth

import (
	"context"
	"errors"
	"time"
)

// expiringWarning is how long before a session's end the person is told it is ending.
const expiringWarning = 10 * time.Minute

// watchEndLocked sets the timers for the current session's end: a change (so the status turns
// "expiring") shortly before, and the end itself, when the session is dropped as the provider
// would refuse it. Called with s.mu held, whenever the session changes.
func (s *Service) watchEndLocked() {
	for _, t := range s.endTimers {
		t.Stop()
	}
	s.endTimers = nil
	if s.sess == nil || s.sess.endsAt.IsZero() {
		return
	}
	gen, cfg, left := s.gen, s.cfg, s.sess.endsAt.Sub(s.now())
	if warn := left - expiringWarning; warn > 0 {
		s.endTimers = append(s.endTimers, time.AfterFunc(warn, s.notify))
	}
	s.endTimers = append(s.endTimers, time.AfterFunc(max(left, 0), func() {
		s.endSession(context.Background(), gen, cfg, sessionEnded(errors.New("the session reached its end")))
	}))
}
