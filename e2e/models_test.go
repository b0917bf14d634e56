package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/registrytest"
)

// The model manager's test hooks (frontend/README.md).
const (
	selOpenModels      = `[data-testid="open-models"]`
	selModelsScreen    = `[data-testid="models-screen"]`
	selModelRow        = `[data-testid="model-row"]` // carries data-model
	selDetailsButton   = `[data-testid="model-details-button"]`
	selModelDetails    = `[data-testid="model-details"]`
	selModelDelete     = `[data-testid="model-delete"]`
	selConfirmDelete   = `[data-testid="confirm-model-delete"]`
	selRunningRow      = `[data-testid="running-row"]` // carries data-model
	selUnload          = `[data-testid="unload-button"]`
	selPullInput       = `[data-testid="pull-input"]`
	selPullInsecure    = `[data-testid="pull-insecure"]`
	selPullButton      = `[data-testid="pull-button"]`
	selPullJob         = `[data-testid="pull-job"]` // carries data-job-id, data-state, data-model
	selPullLabel       = `[data-testid="pull-label"]`
	selPullCancel      = `[data-testid="pull-cancel"]`
	selPullError       = `[data-testid="pull-error"]`
	selEndpointRow     = `[data-testid="endpoint-row"]` // carries data-endpoint-id, data-state
	selEndpointSelect  = `[data-testid="endpoint-select"]`
	selEndpointAddName = `[data-testid="endpoint-add-name"]`
	selEndpointAddKind = `[data-testid="endpoint-add-kind"]`
	selEndpointAddURL  = `[data-testid="endpoint-add-url"]`
	selEndpointAdd     = `[data-testid="endpoint-add-submit"]`
	selEndpointError   = `[data-testid="endpoint-error"]`
	selManagerError    = `[data-testid="manager-error"]`
)

// jsRow finds the element matching sel whose data-model is the model (Ollama lists name:latest).
func jsRow(sel, model string) string {
	return `Array.from(document.querySelectorAll(` + jsString(sel) + `)).find(el => el.dataset.model === ` +
		jsString(model) + ` || el.dataset.model === ` + jsString(model+":latest") + `)`
}

// clickIn clicks the first element matching inner inside the element the JavaScript expression
// row evaluates to, as a person's click would (the element's own click()).
func clickIn(b *browser, row, inner string) {
	b.t.Helper()
	b.waitFor(15*time.Second, "a "+inner+" to click", `(() => { const r = `+row+`; return !!r && !!r.querySelector(`+jsString(inner)+`); })()`)
	evalJS[bool](b, `(() => { `+row+`.querySelector(`+jsString(inner)+`).click(); return true; })()`)
}

func openModels(b *browser) {
	b.t.Helper()
	b.click(selOpenModels)
	b.waitFor(15*time.Second, "the model manager opens", `!!document.querySelector(`+jsString(selModelsScreen)+`)`)
}

// TestModelManager drives the manager in the web build against a real Ollama and a real
// registry on loopback: the models with their facts and details, a pull whose progress keeps
// going while the person leaves (and reloads) the page and is there when they come back,
// cancel, a pull that resumes, a name nobody has, delete with confirmation, and unload.
func TestModelManager(t *testing.T) {
	appBinary(t)
	ol := ollamatest.Start(t)
	reg := registrytest.Start(t)
	model := registrytest.TinyModel(t, 41, map[string]any{"num_predict": 8})
	name := reg.PublishModel(t, "managed", model)
	a := startServe(t, appOptions{ollamaURL: ol.URL})
	b := newBrowser(t)
	b.open(a.URL)
	openModels(b)

	// The installed models with their facts, and details from /api/show.
	b.waitFor(30*time.Second, "tiny is listed with its size, family and parameter count",
		`(() => { const r = `+jsRow(selModelRow, "tiny")+`; return !!r && /KB|MB/.test(r.innerText) && r.innerText.includes("llama"); })()`)
	clickIn(b, jsRow(selModelRow, "tiny"), selDetailsButton)
	b.waitFor(15*time.Second, "tiny's details show its trained context and parameters",
		`(() => { const d = document.querySelector(`+jsString(selModelDetails)+`); return !!d && d.innerText.includes("4096 tokens trained") && d.innerText.includes("num_predict"); })()`)

	// A pull, held by the registry after 150 kB so it is still running when the person leaves.
	const held = 150_000
	reg.Hold(held)
	b.typeInto(selPullInput, name)
	b.click(selPullInsecure)
	b.click(selPullButton)
	jobWithBytes := `(() => { const j = ` + jsRow(selPullJob, name) + `; return !!j && j.dataset.state === "pulling" &&
		/ of /.test(j.querySelector(` + jsString(selPullLabel) + `).innerText); })()`
	b.waitFor(60*time.Second, "the pull shows bytes done of bytes to do", jobWithBytes)
	jobID := evalJS[string](b, jsRow(selPullJob, name)+`.dataset.jobId`)

	// The person leaves the page and comes back: the pull lives in the desktop and is shown again.
	b.click(selOpenModels) // back to the chat
	b.reload()
	openModels(b)
	b.waitFor(30*time.Second, "the pull is still there after a reload", jobWithBytes)
	if got := evalJS[string](b, jsRow(selPullJob, name)+`.dataset.jobId`); got != jobID {
		t.Fatalf("after the reload the page shows pull %s, want the same pull %s", got, jobID)
	}

	clickIn(b, jsRow(selPullJob, name), selPullCancel)
	b.waitFor(30*time.Second, "the pull is cancelled, saying how to continue",
		`(() => { const j = `+jsRow(selPullJob, name)+`; return !!j && j.dataset.state === "cancelled" &&
			j.querySelector(`+jsString(selPullError)+`).innerText.includes("continue where it stopped"); })()`)

	// Pulling again continues from the bytes already downloaded, and finishes.
	reg.Release()
	b.typeInto(selPullInput, name)
	b.click(selPullInsecure) // a new page: the box is unticked again
	b.click(selPullButton)
	b.waitFor(2*time.Minute, "the second pull finishes", `Array.from(document.querySelectorAll(`+jsString(selPullJob)+`)).some(j =>
		j.dataset.model === `+jsString(name)+` && j.dataset.jobId !== `+jsString(jobID)+` && j.dataset.state === "done")`)
	b.waitFor(30*time.Second, "the pulled model is listed", `!!`+jsRow(selModelRow, name))
	resumed := false
	for _, r := range reg.BlobRequests() {
		if strings.HasPrefix(r.Range, "bytes=") && !strings.HasPrefix(r.Range, "bytes=0-") {
			resumed = true
		}
	}
	if !resumed {
		t.Errorf("no blob download continued past byte 0: %+v", reg.BlobRequests())
	}

	// A name nobody has: the pull ends in a message saying so.
	missing := reg.Host + "/library/nobody-has-this"
	b.typeInto(selPullInput, missing)
	b.click(selPullButton)
	b.waitFor(60*time.Second, "the failed pull says the registry has no such model",
		`(() => { const j = `+jsRow(selPullJob, missing)+`; return !!j && j.dataset.state === "error" &&
			j.querySelector(`+jsString(selPullError)+`).innerText.includes("has no model"); })()`)

	// Delete, confirmed.
	clickIn(b, jsRow(selModelRow, name), selModelDelete)
	clickIn(b, jsRow(selModelRow, name), selConfirmDelete)
	b.waitFor(30*time.Second, "the deleted model leaves the list", `!`+jsRow(selModelRow, name))
	b.saveScreenshot("model-manager")

	// Unload: tiny was loaded by the test Ollama's start.
	b.waitFor(30*time.Second, "tiny is shown loaded, with its memory", `(() => { const r = `+jsRow(selRunningRow, "tiny")+`; return !!r && /MB|GB/.test(r.innerText); })()`)
	clickIn(b, jsRow(selRunningRow, "tiny"), selUnload)
	b.waitFor(30*time.Second, "tiny leaves the loaded models", `!`+jsRow(selRunningRow, "tiny"))
}

// TestServerList adds servers in the web build: the same Ollama through its OpenAI-compatible
// API becomes reachable with its models, and one where nothing listens shows why it cannot be
// used, without holding anything up.
func TestServerList(t *testing.T) {
	appBinary(t)
	ol := ollamatest.Start(t)
	a := startServe(t, appOptions{ollamaURL: ol.URL})
	b := newBrowser(t)
	b.open(a.URL)
	openModels(b)
	b.waitFor(30*time.Second, "this computer's Ollama is listed as reachable",
		`Array.from(document.querySelectorAll(`+jsString(selEndpointRow)+`)).some(r => r.dataset.endpointId === "local" && r.dataset.state === "reachable")`)

	addServer := func(name, kind, url string) {
		b.typeInto(selEndpointAddName, name)
		evalJS[bool](b, `(() => { const s = document.querySelector(`+jsString(selEndpointAddKind)+`); s.value = `+jsString(kind)+`;
			s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
		b.typeInto(selEndpointAddURL, url)
		b.click(selEndpointAdd)
	}
	jsEndpoint := func(name string) string {
		return `Array.from(document.querySelectorAll(` + jsString(selEndpointRow) + `)).find(r => r.innerText.includes(` + jsString(name) + `))`
	}
	addServer("Same box via v1", "openai", ol.URL)
	b.waitFor(30*time.Second, "the OpenAI-compatible server becomes reachable with its models",
		`(() => { const r = `+jsEndpoint("Same box via v1")+`; return !!r && r.dataset.state === "reachable" && /\d+ models/.test(r.innerText); })()`)

	addServer("Switched off", "ollama", "http://"+deadAddr(t))
	b.waitFor(30*time.Second, "the server where nothing listens says it cannot be reached",
		`(() => { const r = `+jsEndpoint("Switched off")+`; return !!r && r.dataset.state === "unreachable" &&
			(r.querySelector(`+jsString(selEndpointError)+`) || {innerText: ""}).innerText.includes("no answer"); })()`)

	// Its models, through the OpenAI-compatible API: listed, but not manageable from here.
	id := evalJS[string](b, jsEndpoint("Same box via v1")+`.dataset.endpointId`)
	evalJS[bool](b, `(() => { const s = document.querySelector(`+jsString(selEndpointSelect)+`); s.value = `+jsString(id)+`;
		s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
	b.waitFor(30*time.Second, "the OpenAI-compatible server's models are listed without pull or delete",
		`!!`+jsRow(selModelRow, "tiny")+` && !document.querySelector(`+jsString(selPullInput)+`) && !document.querySelector(`+jsString(selModelDelete)+`)`)

	// Bad input gets a message, and nothing is added.
	addServer("Bad", "ollama", "http://host:99999")
	b.waitFor(15*time.Second, "a bad address is refused with a message",
		`(() => { const e = document.querySelector(`+jsString(selManagerError)+`); return !!e && e.innerText.includes("port"); })()`)
	if n := evalJS[int](b, `document.querySelectorAll(`+jsString(selEndpointRow)+`).length`); n != 3 {
		t.Errorf("%d servers listed, want 3 (this computer and the two added)", n)
	}
	b.saveScreenshot("servers")
}
