package store

import (
	"encoding/json"
	"testing"
)

func TestNullableJSON(t *testing.T) {
	type patch struct {
		Temperature Nullable[float64] `json:"temperature,omitzero"`
	}
	tests := []struct {
		in      string
		wantSet bool
		want    *float64
		wantErr bool
		out     string
	}{
		{`{}`, false, nil, false, `{}`},
		{`{"temperature":null}`, true, nil, false, `{"temperature":null}`},
		{`{"temperature":0.7}`, true, ptr(0.7), false, `{"temperature":0.7}`},
		{`{"temperature":0}`, true, ptr(0.0), false, `{"temperature":0}`},
		{`{"temperature":"hot"}`, false, nil, true, ``},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var p patch
			err := json.Unmarshal([]byte(tt.in), &p)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if p.Temperature.Set != tt.wantSet || !eqPtr(p.Temperature.Value, tt.want) {
				t.Fatalf("got %+v", p.Temperature)
			}
			out, err := json.Marshal(p)
			if err != nil || string(out) != tt.out {
				t.Fatalf("marshal = %s, %v; want %s", out, err, tt.out)
			}
		})
	}
}
