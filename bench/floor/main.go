//go:build linux

// Command floor is the smallest Wails app: the same Go, Wails and WebKitGTK stack as
// cloudtolocalllm, the same window, and a page with one line of text. The bench measures its
// cold start and idle memory the same way as the app's, so the numbers show what any window on
// this stack costs (the floor) and what the app's own code and UI add on top.
package main

import (
	"embed"
	"fmt"
	"os"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
)

//go:embed index.html
var assets embed.FS

func main() {
	err := wails.Run(&options.App{
		Title:            "CloudToLocalLLM floor",
		Width:            1100,
		Height:           760,
		AssetServer:      &assetserver.Options{Assets: assets},
		BackgroundColour: &options.RGBA{R: 24, G: 24, B: 27, A: 255},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}
