package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildBinary compiles the service once per test run.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "ratify-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "ratify")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// proc is a running service binary.
type proc struct {
	cmd  *exec.Cmd
	addr string
	logs *strings.Builder
	mu   *sync.Mutex
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done is closed
}

// startBinary runs the binary on a free port with dataDir and waits until
// /readyz answers 200.
func startBinary(t *testing.T, dataDir string, env ...string) *proc {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "RATIFY_ADDR=127.0.0.1:0", "RATIFY_DATA_DIR="+dataDir, "RATIFY_LOG_FORMAT=json")
	cmd.Env = append(cmd.Env, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, logs: &strings.Builder{}, mu: &sync.Mutex{}, done: make(chan struct{})}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.logs.WriteString(line + "\n")
			p.mu.Unlock()
			var rec struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
				addrc <- rec.Addr
			}
		}
	}()
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	select {
	case p.addr = <-addrc:
	case <-p.done:
		t.Fatalf("service exited before listening: %v\n%s", p.err, p.log())
	case <-time.After(20 * time.Second):
		t.Fatalf("service did not listen within 20s\n%s", p.log())
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + p.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz not 200 within 10s: %v\n%s", err, p.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

func (p *proc) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + p.addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// stop sends sig and waits for the exit.
func (p *proc) stop(t *testing.T, sig syscall.Signal) error {
	t.Helper()
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return p.err
	case <-time.After(20 * time.Second):
		t.Fatalf("service did not exit within 20s of %v", sig)
		return nil
	}
}

func TestBinaryStartsServesAndStopsCleanly(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	p := startBinary(t, data)
	if code, body := p.get(t, "/healthz"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("/healthz = %d %s", code, body)
	}
	if code, body := p.get(t, "/readyz"); code != 200 || !strings.Contains(body, `"ready"`) {
		t.Fatalf("/readyz = %d %s", code, body)
	}
	if fi, err := os.Stat(filepath.Join(data, "secret")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v, mode %v; want 0600", err, fi)
	}

	// A second instance on the same data directory refuses to start.
	bin, _ := buildBinary()
	second := exec.Command(bin)
	second.Env = append(os.Environ(), "RATIFY_ADDR=127.0.0.1:0", "RATIFY_DATA_DIR="+data)
	out, err := second.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "in use by another running instance") {
		t.Fatalf("second instance: err=%v out=%s", err, out)
	}

	_, port, _ := strings.Cut(p.addr, ":")
	if err := healthcheck(context.Background(), nil, func(string) string { return ":" + port }); err != nil {
		t.Fatalf("healthcheck against a live service: %v", err)
	}

	if err := p.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, p.log())
	}
	if !strings.Contains(p.log(), `"msg":"stopped"`) {
		t.Fatalf("no clean stop in the log:\n%s", p.log())
	}
}

func TestBinaryRestartsAfterSIGKILL(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	p := startBinary(t, data)
	p.stop(t, syscall.SIGKILL)
	// The dead instance left its socket and lock file behind.
	if _, err := os.Stat(filepath.Join(data, "ferretdb.sock")); err != nil {
		t.Logf("no stale socket after SIGKILL (%v); restart is still checked", err)
	}
	p2 := startBinary(t, data)
	if code, _ := p2.get(t, "/readyz"); code != 200 {
		t.Fatalf("/readyz after restart = %d", code)
	}
	if err := p2.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("exit: %v", err)
	}
	_, port, _ := strings.Cut(p2.addr, ":")
	if err := healthcheck(context.Background(), nil, func(string) string { return ":" + port }); err == nil {
		t.Fatal("healthcheck passed against a stopped service")
	}
}

func TestConfigFlagsWinAndSecretsAreMasked(t *testing.T) {
	env := map[string]string{"RATIFY_ADDR": ":9000", "RATIFY_SMTP_PASSWORD": "hunter2hunter2", "MONGODB_URI": "mongodb://u:pw@db:27017/?replicaSet=rs0"}
	cfg, _, err := parseConfig("t", []string{"-addr", "127.0.0.1:9100"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9100" || cfg.BaseURL != "http://127.0.0.1:9100" {
		t.Fatalf("addr %q base %q", cfg.Addr, cfg.BaseURL)
	}
	shown := fmt.Sprint(cfg.effective()...)
	if strings.Contains(shown, "hunter2") || strings.Contains(shown, ":pw@") {
		t.Fatalf("effective configuration leaks a secret: %s", shown)
	}
	if _, _, err := parseConfig("t", []string{"-base-url", "ftp://x"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Fatal("ftp base URL accepted")
	}
	if cfg.StoreSync != "group" {
		t.Fatalf("store sync defaults to %q, want group", cfg.StoreSync)
	}
	if _, _, err := parseConfig("t", nil, func(k string) string { return map[string]string{"RATIFY_STORE_SYNC": "off"}[k] }, io.Discard); err == nil ||
		!strings.Contains(err.Error(), `store sync "off" (RATIFY_STORE_SYNC): want group, full or normal`) {
		t.Fatalf("store sync off: %v", err)
	}
}

func TestRunUnknownCommand(t *testing.T) {
	err := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `unknown command "frobnicate"`) {
		t.Fatalf("err = %v", err)
	}
}
