package deploy

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// What the manifests rely on the image for.
const (
	binPath    = "/usr/local/bin/lockbench" // the lockbench binary
	busyboxDir = "/busybox"                 // busybox and its applet links
	nonrootUID = 65532                      // distroless's nonroot user
)

// dockerfile is deploy/Dockerfile's instructions, continuation lines
// joined, comments dropped.
type dockerfile struct {
	instructions []string
}

func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	f, err := os.Open("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var d dockerfile
	var cur strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`) + " ")
			continue
		}
		cur.WriteString(line)
		d.instructions = append(d.instructions, cur.String())
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return d
}

// stages returns the FROM instructions' images.
func (d dockerfile) stages() []string {
	var s []string
	for _, in := range d.instructions {
		f := strings.Fields(in)
		if strings.EqualFold(f[0], "FROM") {
			for _, w := range f[1:] {
				if !strings.HasPrefix(w, "--") {
					s = append(s, w)
					break
				}
			}
		}
	}
	return s
}

// final returns the instructions of the last stage.
func (d dockerfile) final() []string {
	last := 0
	for i, in := range d.instructions {
		if strings.HasPrefix(strings.ToUpper(in), "FROM ") {
			last = i
		}
	}
	return d.instructions[last:]
}

// applets returns the busybox applets the Dockerfile links.
func (d dockerfile) applets() []string {
	re := regexp.MustCompile(`for applet in ([a-z ]+); do ln -s busybox`)
	for _, in := range d.instructions {
		if m := re.FindStringSubmatch(in); m != nil {
			return strings.Fields(m[1])
		}
	}
	return nil
}

// pinnedBase is a fully qualified base image pinned by digest:
// REGISTRY/PATH:TAG@sha256:DIGEST, the registry a host name with a dot
// (podman resolves no short names) and the tag kept for the reader and
// Dependabot.
var pinnedBase = regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)+(:[0-9]+)?/[a-z0-9._/-]+:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}$`)

// placeholderDigest marks a digest that was never resolved.
const placeholderDigest = "@sha256:0000000000000000000000000000000000000000000000000000000000000000"

func TestDockerfile(t *testing.T) {
	d := readDockerfile(t)
	stages := d.stages()
	if len(stages) < 2 {
		t.Fatalf("%d stages: want a multi-stage build (build, then a small base)", len(stages))
	}
	raw, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`(?mi)^#\s*syntax\s*=`).Match(raw) {
		t.Errorf("a # syntax= line pulls a frontend image: air-gapped builds fail")
	}
	for _, img := range stages {
		if !pinnedBase.MatchString(img) {
			t.Errorf("base image %s: want REGISTRY/PATH:TAG@sha256:DIGEST (fully qualified, pinned)", img)
		} else if strings.HasSuffix(img, placeholderDigest) {
			t.Logf("base image %s: the digest is the placeholder (image.yml refuses to build with it)", img)
		}
	}
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod)
	if goVersion == nil || !strings.Contains(stages[0], "/golang:"+string(goVersion[1])+"@") && !strings.Contains(stages[0], "/golang:"+string(goVersion[1])+"-") {
		t.Errorf("build stage %s: want the golang image of go.mod's Go %s", stages[0], goVersion[1])
	}
	all0 := strings.Join(d.instructions, "\n")
	for _, v := range []string{"TARGETOS", "TARGETARCH"} {
		if !strings.Contains(all0, "${"+v+":-") {
			t.Errorf("no fallback ${%s:-...} where the builder leaves %s empty", v, v)
		}
		if regexp.MustCompile(`(?m)^ARG ` + v + `=`).MatchString(all0) {
			t.Errorf("ARG %s has a default: some builders take it as the user's value over --platform", v)
		}
	}
	base := stages[len(stages)-1]
	if base != "scratch" && !strings.HasPrefix(base, "gcr.io/distroless/static") {
		t.Errorf("final base %s: want scratch or distroless static (the binary is static)", base)
	}
	all := strings.Join(d.instructions, "\n")
	if !strings.Contains(all, "CGO_ENABLED=0") || !regexp.MustCompile(`go build .*-o \S+ \./cmd/lockbench`).MatchString(all) {
		t.Errorf("no CGO_ENABLED=0 go build of ./cmd/lockbench: the binary would need a libc the base lacks")
	}
	final := strings.Join(d.final(), "\n")
	if !regexp.MustCompile(`(?m)^COPY --from=build \S+ ` + regexp.QuoteMeta(binPath) + `$`).MatchString(final) {
		t.Errorf("the final stage does not copy lockbench to %s, where the manifests run it", binPath)
	}
	if !regexp.MustCompile(`(?m)^COPY --from=\S+ \S+ ` + regexp.QuoteMeta(busyboxDir) + `/?$`).MatchString(final) {
		t.Errorf("the final stage does not copy busybox to %s, whose shell the manifests run", busyboxDir)
	}
	user := regexp.MustCompile(`(?m)^USER (\S+)$`).FindStringSubmatch(final)
	if user == nil {
		t.Errorf("no USER in the final stage: the image would run as root")
	} else if u := strings.Split(user[1], ":")[0]; u != "65532" && u != "nonroot" {
		t.Errorf("USER %s: want the nonroot user %d", user[1], nonrootUID)
	}
	if !strings.Contains(final, "ENTRYPOINT [\""+binPath+"\"]") {
		t.Errorf("ENTRYPOINT is not %s", binPath)
	}
}

// Every program a manifest runs is in the image: lockbench, or a busybox
// applet the Dockerfile links (sh for the scripts, sleep for the results
// pod; tar, for kubectl cp, is checked too).
func TestManifestsRunWhatTheImageHas(t *testing.T) {
	applets := readDockerfile(t).applets()
	if !slices.Contains(applets, "tar") {
		t.Errorf("busybox applets %q lack tar: kubectl cp needs it", applets)
	}
	m := loadManifests(t)
	for f, ps := range m.podSpecs() {
		for _, c := range ps.Containers {
			if len(c.Command) == 0 {
				t.Errorf("%s: container %s has no command; give one, the image's entrypoint is lockbench itself", f, c.Name)
				continue
			}
			prog := c.Command[0]
			ok := prog == binPath ||
				filepath.Dir(prog) == busyboxDir && slices.Contains(applets, filepath.Base(prog))
			if !ok {
				t.Errorf("%s: container %s runs %s, which the image does not have (applets: %q)", f, c.Name, prog, applets)
			}
			if script := strings.Join(c.Args, " "); strings.Contains(script, "lockbench ") && !strings.Contains(script, binPath+" ") {
				t.Errorf("%s: container %s runs lockbench not by %s", f, c.Name, binPath)
			}
		}
	}
}

// dockerBuild runs TestDockerBuild: building the image pulls the base
// images and compiles lockbench, minutes that go test ./... should not
// spend; .ci/run passes it when LOCKBENCH_IMAGE_BUILD=1.
var dockerBuild = flag.Bool("docker-build", false, "build and run the image with docker or podman (TestDockerBuild)")

// The image builds and runs where a container builder is present:
//
//	go test ./deploy/ -run TestDockerBuild -docker-build -timeout 30m
func TestDockerBuild(t *testing.T) {
	if !*dockerBuild {
		t.Skip("building the image takes minutes: run with -docker-build (TestDockerfile checks the Dockerfile statically)")
	}
	// The first builder whose daemon (docker) or runtime (podman) answers.
	var docker string
	var why []string
	for _, name := range []string{"docker", "podman"} {
		path, err := exec.LookPath(name)
		if err != nil {
			why = append(why, name+" is not installed")
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		out, err := exec.CommandContext(ctx, path, "info").CombinedOutput()
		cancel()
		if err != nil {
			why = append(why, fmt.Sprintf("`%s info` failed (%v: %s)", name, err, lastLine(out)))
			continue
		}
		docker = path
		break
	}
	if docker == "" {
		t.Skipf("no container builder: %s", strings.Join(why, "; "))
	}
	// The build gets what the test binary's -timeout leaves, less a
	// minute to report.
	build := 20 * time.Minute
	if d, ok := t.Deadline(); ok {
		build = time.Until(d) - time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), build)
	defer cancel()
	tag := "lockbench-deploy-test:" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	cmd := exec.CommandContext(ctx, docker, "build", "-f", "Dockerfile", "-t", tag, "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	defer exec.Command(docker, "image", "rm", "-f", tag).Run()
	out, err := exec.CommandContext(ctx, docker, "image", "inspect", "-f", "{{.Config.User}}", tag).Output()
	if err != nil {
		t.Fatal(err)
	}
	if u := strings.TrimSpace(string(out)); u != "65532:65532" {
		t.Errorf("image user %q, want 65532:65532", u)
	}
	// The Job's way in: the shell, arithmetic, and lockbench on the PATH.
	out, err = exec.CommandContext(ctx, docker, "run", "--rm", "-e", "JOB_COMPLETION_INDEX=2",
		"--entrypoint", busyboxDir+"/sh", tag, "-c",
		`echo "$((JOB_COMPLETION_INDEX + 1))" && `+binPath+` --help >/dev/null && tar --help 2>&1 | head -1`,
	).CombinedOutput()
	if err != nil {
		t.Fatalf("running the image: %v\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), "3\n") {
		t.Errorf("the image's shell printed %q, want 3 first", out)
	}
}

// lastLine is the last line of a command's output: docker info ends
// with the error.
func lastLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	return s[strings.LastIndex(s, "\n")+1:]
}
