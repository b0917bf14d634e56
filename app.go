package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	goruntime "runtime"
	"sync"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/api"
	"github.com/cloudtolocalllm/cloudtolocalllm/frontend"
)

//go:embed build/appicon.png
var appIcon []byte

// App is the Wails-bound facade. The page calls exactly one method, Call, which runs an operation
// from the same registry the web build uses; events reach the page as the Wails event "backend".
type App struct {
	core *core
	log  *slog.Logger

	mu  sync.Mutex
	ctx context.Context // the Wails runtime context, set on startup
}

// Response is what Call resolves to: a result or an error, never a rejected promise, so the page
// gets the same structured error on the desktop as over HTTP.
type Response struct {
	Result any        `json:"result,omitempty"`
	Error  *api.Error `json:"error,omitempty"`
}

// Call runs the operation op with its JSON arguments.
func (a *App) Call(op string, args json.RawMessage) Response {
	a.mu.Lock()
	ctx := a.ctx
	a.mu.Unlock()
	res, err := a.core.ops.Call(ctx, api.Local, op, args)
	if err != nil {
		return Response{Error: err}
	}
	return Response{Result: res}
}

func (a *App) startup(ctx context.Context) {
	a.mu.Lock()
	a.ctx = ctx
	a.mu.Unlock()
	go a.forwardEvents(ctx)
	a.useSystemBrowser(ctx)
	go func() {
		sig, cancel := signalContext()
		defer cancel()
		<-sig.Done()
		if ctx.Err() == nil {
			a.log.Info("quitting on signal")
			runtime.Quit(ctx)
		}
	}()
}

// forwardEvents relays the bus to the page. If the page falls so far behind that the bus drops it,
// it is told to reload what it shows.
func (a *App) forwardEvents(ctx context.Context) {
	since := a.core.bus.Seq()
	for ctx.Err() == nil {
		sub, complete := a.core.bus.Subscribe(since, 4096)
		if !complete {
			runtime.EventsEmit(ctx, "backend", map[string]any{"seq": since, "name": "resync", "data": struct{}{}})
		}
		for ev := range sub.C {
			runtime.EventsEmit(ctx, "backend", ev)
			since = ev.Seq
		}
		sub.Close()
	}
}

func runDesktop(log *slog.Logger) error {
	assets, err := fs.Sub(frontend.Dist, "dist")
	if err != nil {
		return fmt.Errorf("load UI: %w", err)
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" && goruntime.GOOS == "linux" {
		return fmt.Errorf("no display: start the app inside a desktop session, or use --serve 127.0.0.1:8089 and open it in a browser")
	}
	c, err := openCore(log)
	if err != nil {
		return err
	}
	defer c.close()
	app := &App{core: c, log: log, ctx: context.Background()}
	return wails.Run(&options.App{
		Title:            "CloudToLocalLLM",
		Width:            1100,
		Height:           760,
		MinWidth:         420,
		MinHeight:        360,
		AssetServer:      &assetserver.Options{Assets: assets},
		BackgroundColour: &options.RGBA{R: 24, G: 24, B: 27, A: 255},
		OnStartup:        app.startup,
		Bind:             []any{app},
		Linux:            &linux.Options{ProgramName: "cloudtolocalllm", Icon: appIcon},
	})
}
