package store

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestDataDir(t *testing.T) {
	homeOK := func() (string, error) { return "/home/ann", nil }
	homeErr := func() (string, error) { return "", errors.New("no home") }
	tests := []struct {
		name    string
		goos    string
		env     map[string]string
		home    func() (string, error)
		want    string
		wantErr bool
	}{
		{"override wins", "linux", map[string]string{DataDirEnv: "/srv/c2l", "XDG_DATA_HOME": "/x"}, homeOK, "/srv/c2l", false},
		{"linux XDG", "linux", map[string]string{"XDG_DATA_HOME": "/x/data"}, homeOK, "/x/data/CloudToLocalLLM", false},
		{"linux relative XDG ignored", "linux", map[string]string{"XDG_DATA_HOME": "rel"}, homeOK, "/home/ann/.local/share/CloudToLocalLLM", false},
		{"linux default", "linux", nil, homeOK, "/home/ann/.local/share/CloudToLocalLLM", false},
		{"linux no home", "linux", nil, homeErr, "", true},
		{"macOS", "darwin", nil, homeOK, "/home/ann/Library/Application Support/CloudToLocalLLM", false},
		{"windows", "windows", map[string]string{"AppData": `C:\Users\ann\AppData\Roaming`}, homeErr, filepath.Join(`C:\Users\ann\AppData\Roaming`, "CloudToLocalLLM"), false},
		{"windows without AppData", "windows", nil, homeOK, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dataDir(tt.goos, func(k string) string { return tt.env[k] }, tt.home)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("dir = %q, want %q", got, tt.want)
			}
		})
	}
}
