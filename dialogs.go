package main

import (
	"context"

	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/api"
)

// dialogs are the window's native file dialogs, for the operations that save or open a file
// (history export and import). ctx is the Wails runtime context: the dialogs belong to the
// window. It is a type of its own, not methods on App, so that Wails does not bind them to the
// page: the page asks for an export, and Go asks the person where to put it.
type dialogs struct {
	ctx context.Context
}

func (d dialogs) SaveFile(_ context.Context, title, defaultName string, filters []api.FileFilter) (string, error) {
	return runtime.SaveFileDialog(d.ctx, runtime.SaveDialogOptions{
		Title:                title,
		DefaultFilename:      defaultName,
		Filters:              wailsFilters(filters),
		CanCreateDirectories: true,
	})
}

func (d dialogs) OpenFile(_ context.Context, title string, filters []api.FileFilter) (string, error) {
	return runtime.OpenFileDialog(d.ctx, runtime.OpenDialogOptions{
		Title:   title,
		Filters: append(wailsFilters(filters), runtime.FileFilter{DisplayName: "All files", Pattern: "*"}),
	})
}

func wailsFilters(fs []api.FileFilter) []runtime.FileFilter {
	out := make([]runtime.FileFilter, len(fs))
	for i, f := range fs {
		out[i] = runtime.FileFilter{DisplayName: f.Name, Pattern: f.Pattern}
	}
	return out
}
