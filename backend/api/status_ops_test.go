package api

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/status"
)

// TestDiagnoseOp runs status.diagnose as a browser would, against an Ollama address nothing
// listens on: each check is reported, the failing one says what to do, and the status that came
// out of it is the one status.get reports.
func TestDiagnoseOp(t *testing.T) {
	s := newStack(t, ServerOptions{})
	res, err := s.ops.Call(context.Background(), Remote, "status.diagnose", json.RawMessage(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	d := res.(status.Diagnosis)
	results := map[string]status.CheckResult{}
	for _, c := range d.Checks {
		results[c.ID] = c
	}
	want := map[string]string{"ollama.reachable": status.CheckFail, "ollama.version": status.CheckSkipped,
		"ollama.models": status.CheckSkipped, "account": status.CheckNotSetUp, "relay": status.CheckNotSetUp}
	for id, r := range want {
		if results[id].Result != r {
			t.Errorf("%s: %+v, want %s", id, results[id], r)
		}
	}
	if results["ollama.reachable"].Hint == "" {
		t.Error("the failed reachability check does not say what to do")
	}
	got, _ := s.ops.Call(context.Background(), Remote, "status.get", nil)
	if got.(status.Status) != d.Status || d.Status.Overall != status.OverallDown {
		t.Errorf("status.get %+v after diagnose %+v", got, d.Status)
	}
}
