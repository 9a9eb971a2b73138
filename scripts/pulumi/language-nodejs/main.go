// pulumi-language-nodejs for the local stack: a small Node.js language host on the gRPC
// interface of github.com/pulumi/pulumi/sdk/v3.
//
// Why our own: the Go module proxy refuses Pulumi's host
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3: 403 "This module version
// is not available"), so the CLI alone could not run a Node.js program. This host does what
// `pulumi up`, `pulumi preview` and `--policy-pack` need: it runs the program through
// @pulumi/pulumi's own `cmd/run` and a policy pack through `cmd/run-policy-pack`, with the
// project's `nodeargs` (here `--import tsx`). Everything else (templates, codegen, `pulumi
// install`, required-plugin discovery) answers Unimplemented, which the engine tolerates:
// providers are then found on PATH when the program registers its first resource.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is stamped by scripts/pulumi/build.sh (-X main.version=...).
var version = "0.0.0-dev"

// exitLogged: @pulumi/pulumi's run scripts exit 32 after they already printed the error, so
// the engine should not add a generic one ("bail").
const exitLogged = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engine string
	mu     sync.Mutex
}

func main() {
	// The CLI passes flags (-tracing=..., -root=...) and then the engine address; flags this
	// host has no use for are ignored rather than refused.
	h := &host{}
	for _, a := range os.Args[1:] {
		if !strings.HasPrefix(a, "-") {
			h.engine = a
		}
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: cannot serve: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port) // the CLI reads the port from our first stdout line
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (
	*pulumirpc.LanguageHandshakeResponse, error,
) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.GetEngineAddress() != "" {
		h.engine = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *host) engineAddress() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engine
}

// sdkScript finds node_modules/@pulumi/pulumi/cmd/<name> from dir upwards, as Node would.
func sdkScript(dir, name string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "node_modules", "@pulumi", "pulumi", "cmd", name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no node_modules/@pulumi/pulumi/cmd/%s above %s: run npm ci", name, dir)
		}
	}
}

// runtimeOptions reads Pulumi.yaml's (or PulumiPolicy.yaml's) runtime.options.
func runtimeOptions(info *pulumirpc.ProgramInfo) (nodeargs []string, typescript string) {
	typescript = "true"
	if info.GetOptions() == nil {
		return nil, typescript
	}
	opts := info.GetOptions().AsMap()
	if s, ok := opts["nodeargs"].(string); ok {
		nodeargs = strings.Fields(s)
	}
	if b, ok := opts["typescript"].(bool); ok && !b {
		typescript = "false"
	}
	return nodeargs, typescript
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	if info == nil {
		return nil, errors.New("RunRequest without program info (CLI older than this host)")
	}
	run, err := sdkScript(info.GetProgramDirectory(), "run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	nodeargs, typescript := runtimeOptions(info)
	program := info.GetProgramDirectory()
	if ep := info.GetEntryPoint(); ep != "" && ep != "." {
		program = filepath.Join(program, ep)
	}
	args := append([]string{}, nodeargs...)
	args = append(args, run, "--monitor="+req.GetMonitorAddress(), "--engine="+h.engineAddress(),
		"--organization="+req.GetOrganization(), "--project="+req.GetProject(), "--stack="+req.GetStack(),
		"--root-directory="+info.GetRootDirectory(), "--pwd="+req.GetPwd(), fmt.Sprintf("--parallel=%d", req.GetParallel()))
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(req.GetConfigSecretKeys())
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = req.GetPwd()
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys), "PULUMI_NODEJS_TYPESCRIPT="+typescript)
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			if exit.ExitCode() == exitLogged {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exit.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run node: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// RunPlugin runs a Node.js policy pack (kind "analyzer"): `node <nodeargs> run-policy-pack
// <engine> <pack dir>`; the pack prints its gRPC port on stdout, which we stream back.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, srv grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]) error {
	if req.GetKind() != "analyzer" {
		return fmt.Errorf("this language host runs only policy packs (analyzer), not %q plugins", req.GetKind())
	}
	info := req.GetInfo()
	dir := info.GetProgramDirectory()
	script, err := sdkScript(dir, "run-policy-pack")
	if err != nil {
		return err
	}
	nodeargs, _ := runtimeOptions(info)
	args := append(append([]string{}, nodeargs...), script)
	args = append(args, req.GetArgs()...)
	args = append(args, dir)

	cmd := exec.CommandContext(srv.Context(), "node", args...)
	cmd.Dir = dir
	cmd.Env = req.GetEnv()
	if len(cmd.Env) == 0 {
		cmd.Env = os.Environ()
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	var sendMu sync.Mutex
	send := func(r *pulumirpc.RunPluginResponse) {
		sendMu.Lock()
		defer sendMu.Unlock()
		_ = srv.Send(r) // the engine may have hung up already; the exit code still follows
	}
	var wg sync.WaitGroup
	pump := func(r io.Reader, wrap func([]byte) *pulumirpc.RunPluginResponse) {
		defer wg.Done()
		buf := make([]byte, 32*1024)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				send(wrap(append([]byte{}, buf[:n]...)))
			}
			if err != nil {
				return
			}
		}
	}
	wg.Add(2)
	go pump(stdout, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}}
	})
	go pump(stderr, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}}
	})
	wg.Wait()
	code := int32(0)
	if err := cmd.Wait(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return err
		}
		code = int32(exit.ExitCode())
	}
	send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: code}})
	return nil
}
