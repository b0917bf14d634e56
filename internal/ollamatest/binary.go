package ollamatest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// BinaryEnv names the environment variable that points at the ollama binary to test against.
const BinaryEnv = "OLLAMA_BIN"

// SkipEnv, set to 1, lets Start skip the test instead of starting Ollama: for quick unit runs
// only. CI never sets it, so there a missing binary fails loudly.
const SkipEnv = "CLOUDTOLOCALLLM_SKIP_OLLAMA"

// errNoBinary explains how to get the binary; every caller sees the same advice.
var errNoBinary = errors.New("no ollama binary for the tests: run `make ollama` in the repository root " +
	"(it builds Ollama v0.6.5 into .cache/bin/ollama), or point " + BinaryEnv + " at an ollama binary")

// modulePath identifies the repository root: nested modules (e2e helpers, node_modules) have
// their own go.mod files, so the first go.mod up the tree is not necessarily ours.
const modulePath = "github.com/cloudtolocalllm/cloudtolocalllm"

// FindBinary returns the ollama binary the tests use: $OLLAMA_BIN if set, else .cache/bin/ollama
// under the repository root (found from the working directory up).
func FindBinary() (string, error) {
	if p := os.Getenv(BinaryEnv); p != "" {
		if err := checkExecutable(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", BinaryEnv, p, err)
		}
		return p, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", fmt.Errorf("find the ollama binary: %w", err)
	}
	p := filepath.Join(root, ".cache", "bin", "ollama")
	if err := checkExecutable(p); err != nil {
		return "", fmt.Errorf("%s: %w", p, errNoBinary)
	}
	return p, nil
}

func checkExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", p)
	}
	return nil
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("get working directory: %w", err)
	}
	for {
		if isRepoRoot(dir) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("the working directory is not inside the " + modulePath + " repository: run from inside it or set " + BinaryEnv)
		}
		dir = parent
	}
}

func isRepoRoot(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`) == modulePath
		}
	}
	return false
}
