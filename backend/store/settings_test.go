package store

import (
	"context"
	"testing"
)

func TestSettings(t *testing.T) {
	st, dir := openTemp(t)
	ctx := context.Background()
	if _, found, err := st.GetSetting(ctx, "settings"); err != nil || found {
		t.Fatalf("missing setting: found %v, err %v", found, err)
	}
	steps := []struct {
		value   string
		wantErr bool
		want    string
	}{
		{`{"theme":"dark"}`, false, `{"theme":"dark"}`},
		{`{"theme":"light"}`, false, `{"theme":"light"}`},
		{`{"theme":`, true, `{"theme":"light"}`}, // refused, the old value stays
		{``, true, `{"theme":"light"}`},
	}
	for _, s := range steps {
		err := st.SetSetting(ctx, "settings", s.value)
		if (err != nil) != s.wantErr {
			t.Fatalf("SetSetting(%q) error = %v, want error %v", s.value, err, s.wantErr)
		}
		got, found, err := st.GetSetting(ctx, "settings")
		if err != nil || !found || got != s.want {
			t.Fatalf("after SetSetting(%q): %q %v %v, want %q", s.value, got, found, err, s.want)
		}
	}
	st.Close()
	st2, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	if got, _, _ := st2.GetSetting(ctx, "settings"); got != `{"theme":"light"}` {
		t.Fatalf("after reopen: %q", got)
	}
}
