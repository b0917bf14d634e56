package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// AppDirName is the app's folder inside the platform's data directory.
const AppDirName = "CloudToLocalLLM"

// DataDirEnv overrides the data directory (tests, portable installs, several profiles).
const DataDirEnv = "CLOUDTOLOCALLLM_DATA_DIR"

// DataDir is where the app keeps its data: $CLOUDTOLOCALLLM_DATA_DIR if set, otherwise
// CloudToLocalLLM inside the platform's data directory ($XDG_DATA_HOME or ~/.local/share on Linux,
// ~/Library/Application Support on macOS, %AppData% on Windows). It does not create the directory.
func DataDir() (string, error) {
	return dataDir(runtime.GOOS, os.Getenv, os.UserHomeDir)
}

func dataDir(goos string, getenv func(string) string, home func() (string, error)) (string, error) {
	if d := getenv(DataDirEnv); d != "" {
		return filepath.Abs(d)
	}
	var base string
	switch goos {
	case "windows":
		base = getenv("AppData")
		if base == "" {
			return "", errors.New("find data directory: %AppData% is not set; set " + DataDirEnv)
		}
	case "darwin", "ios":
		h, err := home()
		if err != nil {
			return "", fmt.Errorf("find data directory: %w; set %s", err, DataDirEnv)
		}
		base = filepath.Join(h, "Library", "Application Support")
	default:
		// XDG: a relative XDG_DATA_HOME is invalid and must be ignored.
		if x := getenv("XDG_DATA_HOME"); x != "" && filepath.IsAbs(x) {
			base = x
		} else {
			h, err := home()
			if err != nil {
				return "", fmt.Errorf("find data directory: %w; set %s", err, DataDirEnv)
			}
			base = filepath.Join(h, ".local", "share")
		}
	}
	return filepath.Join(base, AppDirName), nil
}
