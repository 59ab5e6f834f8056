package deploy

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// lockbench's exit statuses (cmd/lockbench/errors.go), as a Job sees them.
const (
	exitFailure  = 1
	exitUsage    = 2
	exitInternal = 70
	exitSIGTERM  = 143
)

// failureAction is what the Job controller does with a failed pod of j:
// the action of the first podFailurePolicy rule that matches, "Count"
// (retried within backoffLimitPerIndex) when none does. It follows the
// rules' documented semantics: onExitCodes matches a terminated
// container's non-zero exit code, onPodConditions a condition whose type
// and status match.
func failureAction(j *batchv1.Job, container string, code int32, conditions []corev1.PodCondition) batchv1.PodFailurePolicyAction {
	if j.Spec.PodFailurePolicy == nil {
		return batchv1.PodFailurePolicyActionCount
	}
	for _, r := range j.Spec.PodFailurePolicy.Rules {
		if oc := r.OnExitCodes; oc != nil {
			if oc.ContainerName != nil && *oc.ContainerName != container || code == 0 {
				continue
			}
			in := slices.Contains(oc.Values, code)
			if in == (oc.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn) {
				return r.Action
			}
		}
		for _, p := range r.OnPodConditions {
			for _, c := range conditions {
				if c.Type == p.Type && c.Status == p.Status {
					return r.Action
				}
			}
		}
	}
	return batchv1.PodFailurePolicyActionCount
}

// The Job fails at once only on bad input; it retries a bug, a failed
// measurement and a signal, and does not count a drained node.
func TestFailurePolicy(t *testing.T) {
	m := loadManifests(t)
	drained := []corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}
	tests := []struct {
		name       string
		code       int32
		conditions []corev1.PodCondition
		want       batchv1.PodFailurePolicyAction
		reason     string
	}{
		{"usage", exitUsage, nil, batchv1.PodFailurePolicyActionFailJob, "bad input fails every retry and every shard alike"},
		{"panic", exitInternal, nil, batchv1.PodFailurePolicyActionCount, "a bug may be a race: retry, and the log keeps the line"},
		{"failed measurement", exitFailure, nil, batchv1.PodFailurePolicyActionCount, "a watchdog or a full disk is the machine's state"},
		{"SIGTERM", exitSIGTERM, nil, batchv1.PodFailurePolicyActionCount, "stopped from outside"},
		{"drained", exitSIGTERM, drained, batchv1.PodFailurePolicyActionIgnore, "a node drain is no failure of the shard: two drains must not fail an index"},
		{"drained before start", 0, drained, batchv1.PodFailurePolicyActionIgnore, "evicted before the container ran"},
	}
	for f, j := range m.sweepJobs(t) {
		c := j.Spec.Template.Spec.Containers[0].Name
		if j.Spec.BackoffLimitPerIndex == nil || *j.Spec.BackoffLimitPerIndex < 1 {
			t.Errorf("%s: backoffLimitPerIndex %v: a shard that fails is never retried", f, j.Spec.BackoffLimitPerIndex)
		}
		for _, tt := range tests {
			if got := failureAction(j, c, tt.code, tt.conditions); got != tt.want {
				t.Errorf("%s: %s (exit %d): action %s, want %s (%s)", f, tt.name, tt.code, got, tt.want, tt.reason)
			}
		}
	}
}

// Every Job ends by itself and is cleaned up by the cluster.
func TestJobLimits(t *testing.T) {
	for f, j := range loadManifests(t).jobs {
		if d := j.Spec.ActiveDeadlineSeconds; d == nil || *d <= 0 {
			t.Errorf("%s: no activeDeadlineSeconds: a shard that never finds a node leaves the Job pending for ever", f)
		}
		if ttl := j.Spec.TTLSecondsAfterFinished; ttl == nil || *ttl < 3600 {
			t.Errorf("%s: ttlSecondsAfterFinished %v: want at least an hour, so that the merge and the logs can still see it", f, ttl)
		}
	}
}

// dedicatedKey is the label and taint of the nodes set aside for sweeps.
const dedicatedKey = "lockbench/dedicated"

// Sweeps run only on dedicated nodes, whose taint they tolerate.
func TestDedicatedNodes(t *testing.T) {
	if errs := validation.IsQualifiedName(dedicatedKey); len(errs) > 0 {
		t.Fatalf("%s is not a valid label or taint key: %v", dedicatedKey, errs)
	}
	for f, j := range loadManifests(t).sweepJobs(t) {
		ps := j.Spec.Template.Spec
		v, ok := ps.NodeSelector[dedicatedKey]
		if !ok {
			t.Errorf("%s: no nodeSelector on %s: the toleration alone lets the pods onto any node", f, dedicatedKey)
		}
		if !slices.ContainsFunc(ps.Tolerations, func(tol corev1.Toleration) bool { return tolerates(tol, dedicatedKey, v, corev1.TaintEffectNoSchedule) }) {
			t.Errorf("%s: no toleration of the taint %s=%s:NoSchedule that keeps other pods off the dedicated nodes", f, dedicatedKey, v)
		}
	}
}

// tolerates reports whether tol tolerates the taint key=value:effect, by
// the rules of corev1.Toleration: an empty effect matches every effect;
// Exists matches any value, Equal (or empty) the value given.
func tolerates(tol corev1.Toleration, key, value string, effect corev1.TaintEffect) bool {
	if tol.Effect != "" && tol.Effect != effect || tol.Key != key {
		return false
	}
	switch tol.Operator {
	case corev1.TolerationOpExists:
		return true
	case corev1.TolerationOpEqual, "":
		return tol.Value == value
	}
	return false
}

// Names the API server accepts: a Job's name is a DNS-1123 label (its
// pods carry it as a label value), other objects' DNS-1123 subdomains.
func TestNames(t *testing.T) {
	m := loadManifests(t)
	for f, j := range m.jobs {
		if errs := validation.IsDNS1123Label(j.Name); len(errs) > 0 {
			t.Errorf("%s: Job name %q: %v", f, j.Name, errs)
		}
	}
	for f, p := range m.pods {
		if errs := validation.IsDNS1123Subdomain(p.Name); len(errs) > 0 {
			t.Errorf("%s: Pod name %q: %v", f, p.Name, errs)
		}
	}
}

// pinnedImage is a fully qualified image by tag and digest: a registry
// host (with a dot), a path, a tag, and the sha256 digest.
var pinnedImage = regexp.MustCompile(`^[a-z0-9.-]+\.[a-z]+(:[0-9]+)?/[a-z0-9._/-]+:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}$`)

// Every image is referenced by tag and digest, so that every shard of a
// sweep runs the same build.
func TestImagesPinned(t *testing.T) {
	for f, ps := range loadManifests(t).podSpecs() {
		for _, c := range ps.Containers {
			if !pinnedImage.MatchString(c.Image) {
				t.Errorf("%s: container %s image %q: want REGISTRY/PATH:TAG@sha256:DIGEST", f, c.Name, c.Image)
			} else if strings.Contains(c.Image, "@sha256:"+strings.Repeat("0", 64)) {
				t.Logf("%s: the image digest is the placeholder; set the released image's (deploy/README.md, step 2)", f)
			}
		}
	}
}

// readmeBlock returns the first fenced code block of deploy/README.md
// that contains marker.
func readmeBlock(t *testing.T, marker string) string {
	t.Helper()
	f, err := os.Open("README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var block []string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "```") && !in:
			in, block = true, nil
		case strings.HasPrefix(line, "```"):
			in = false
			if s := strings.Join(block, "\n"); strings.Contains(s, marker) {
				return s
			}
		case in:
			block = append(block, sc.Text())
		}
	}
	t.Fatalf("deploy/README.md has no code block with %q", marker)
	return ""
}

// The README's loop, run with a kubectl that keeps what it is given:
// every machine type becomes a Job the API server accepts (Azure's
// Standard_D16s_v5 included), selecting that type, naming it for the
// results, and all of one run.
func TestReadmeLoop(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	loop := readmeBlock(t, "for m in ")
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	os.Mkdir(bin, 0o755)
	kubectl := "#!/bin/sh\nn=$(ls \"$OUT\" | wc -l)\ncat > \"$OUT/$n.yaml\"\n"
	if err := os.WriteFile(filepath.Join(bin, "kubectl"), []byte(kubectl), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "applied")
	os.Mkdir(out, 0o755)
	cmd := exec.Command(sh, "-c", loop)
	cmd.Dir = ".." // the README's paths are from the repository root
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "OUT="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the loop: %v\n%s", err, b)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.yaml"))
	if len(files) < 2 {
		t.Fatalf("the loop applied %d Jobs, want one per machine type", len(files))
	}
	types := regexp.MustCompile(`for m in ([^;]+);`).FindStringSubmatch(loop)
	var runs []string
	sawUpper := false
	for i, f := range files {
		b, _ := os.ReadFile(f)
		obj, err := decodeStrict(b)
		if err != nil {
			t.Fatalf("Job %d: %v", i, err)
		}
		j := obj.(*batchv1.Job)
		if errs := validation.IsDNS1123Label(j.Name); len(errs) > 0 {
			t.Errorf("Job name %q: the API server refuses it: %v", j.Name, errs)
		}
		c := j.Spec.Template.Spec.Containers[0]
		instance := j.Spec.Template.Spec.NodeSelector["node.kubernetes.io/instance-type"]
		machine, _ := env(c, "MACHINE")
		if machine != instance || !strings.Contains(types[1], instance+":") {
			t.Errorf("Job %s: MACHINE %q, instance type %q: want the loop's type in both", j.Name, machine, instance)
		}
		sawUpper = sawUpper || strings.ToLower(instance) != instance
		run, _ := env(c, "RUN")
		runs = append(runs, run)
		if run == "19700101t000000z" {
			t.Errorf("Job %s: RUN is the manifest's placeholder: the loop must set the sweep's ID", j.Name)
		}
	}
	if slices.Sort(runs); len(slices.Compact(slices.Clone(runs))) != 1 {
		t.Errorf("the Jobs have runs %q: one sweep, one run ID", runs)
	}
	if !sawUpper {
		t.Errorf("the loop has no machine type with capitals (Azure's Standard_D16s_v5): the name sanitising goes untested")
	}
}

// The README waits for a Job to finish either way: kubectl wait
// --for=condition=complete alone never returns on a failed Job.
func TestReadmeWait(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	waits := regexp.MustCompile(`(?m)^\s*kubectl wait(?:[^\n]*\\\n)*[^\n]*`).FindAllString(string(b), -1)
	n := 0
	for _, w := range waits {
		if !strings.Contains(w, "job") {
			continue
		}
		n++
		if !strings.Contains(w, `@.type=="Complete"`) || !strings.Contains(w, `@.type=="Failed"`) {
			t.Errorf("README waits for a Job on one outcome only:\n%s", w)
		}
	}
	if n == 0 {
		t.Error("README has no kubectl wait for a Job")
	}
}

// The README's benchstat commands run outside the repository, at the
// version go.mod pins.
func TestReadmeBenchstat(t *testing.T) {
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	v := regexp.MustCompile(`(?m)^\s*golang.org/x/perf (\S+)`).FindSubmatch(mod)
	if v == nil {
		t.Fatal("go.mod does not require golang.org/x/perf")
	}
	b, _ := os.ReadFile("README.md")
	want := fmt.Sprintf("go run golang.org/x/perf/cmd/benchstat@%s ", v[1])
	for i, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, "go tool benchstat ") {
			t.Errorf("README.md:%d: %q works only inside the repository; use %q", i+1, strings.TrimSpace(line), want)
		}
		if strings.Contains(line, "benchstat@") && !strings.Contains(line, want) && !strings.Contains(line, "@VERSION") {
			t.Errorf("README.md:%d: benchstat at another version than go.mod's %s", i+1, v[1])
		}
	}
	if !strings.Contains(string(b), want) {
		t.Errorf("README.md never runs %q", want)
	}
}
