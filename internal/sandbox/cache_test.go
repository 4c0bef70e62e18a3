package sandbox

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fakeDebootstrap stands in for debootstrap: it makes a tiny root like the
// real one and logs each run, with its PID (1 in the build's namespace).
const fakeDebootstrap = `#!/bin/sh
set -eu
eval "target=\${$(($# - 1))}"
echo "run pid=$$ args=$*" >>"$FAKE_DEBOOTSTRAP_LOG"
sleep 1
mkdir -p "$target/usr/sbin" "$target/etc" "$target/var/cache/apt/archives/partial"
echo vm >"$target/etc/hostname"
: >"$target/var/cache/apt/archives/sudo_1.9_amd64.deb"
`

func TestRootfsBuildsOnce(t *testing.T) {
	skipIfShort(t)
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "debootstrap"), []byte(fakeDebootstrap), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+":"+os.Getenv("PATH"))
	log := filepath.Join(t.TempDir(), "runs")
	t.Setenv("FAKE_DEBOOTSTRAP_LOG", log)
	mirror := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/debian/dists/bookworm/Release" {
			http.NotFound(w, r)
		}
	}))
	defer mirror.Close()

	cache := Cache{Dir: t.TempDir()}
	stale := filepath.Join(cache.Dir, "rootfs", "build-123")
	if err := os.MkdirAll(filepath.Join(stale, "root"), 0o755); err != nil {
		t.Fatal(err)
	}
	spec := Spec{Mirror: mirror.URL + "/debian", Include: []string{"sudo"}}
	var wg sync.WaitGroup
	paths := make([]string, 3)
	for i := range paths {
		wg.Go(func() {
			var err error
			if paths[i], err = cache.Rootfs(t.Context(), spec); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	runs, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(runs), "run "); n != 1 || !strings.Contains(string(runs), "run pid=1 ") {
		t.Errorf("debootstrap ran %d times (%q), want once, as PID 1 of its own namespace", n, runs)
	}
	for _, want := range []string{"--variant=minbase", "--include=sudo", "--cache-dir=" + filepath.Join(cache.Dir, "debootstrap"), " bookworm ", mirror.URL + "/debian"} {
		if !strings.Contains(string(runs), want) {
			t.Errorf("debootstrap's arguments %q lack %q", runs, want)
		}
	}
	if paths[0] == "" || paths[0] != paths[1] || paths[1] != paths[2] {
		t.Fatalf("Rootfs returned %q", paths)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Errorf("the stale build %s is still there", stale)
	}
	if left, _ := filepath.Glob(filepath.Join(cache.Dir, "rootfs", "build-*")); len(left) > 0 {
		t.Errorf("build dirs left: %q", left)
	}
	if _, err := os.Stat(strings.TrimSuffix(paths[0], ".tar.zst") + ".json"); err != nil {
		t.Errorf("no manifest: %v", err)
	}

	root, err := cache.NewRoot(t.Context(), RootSource{Tarball: paths[0]}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"usr/sbin/policy-rc.d": "#!/bin/sh\nexit 101\n", "etc/hostname": "localhost\n"} {
		if got, err := os.ReadFile(filepath.Join(root, name)); err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
	if fi, err := os.Stat(filepath.Join(root, "usr/sbin/policy-rc.d")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("policy-rc.d is not executable: %v %v", fi.Mode(), err)
	}
	if debs, _ := filepath.Glob(filepath.Join(root, "var/cache/apt/archives/*")); len(debs) != 1 || filepath.Base(debs[0]) != "partial" {
		t.Errorf("var/cache/apt/archives holds %q, want only partial/", debs)
	}

	copied, err := cache.NewRoot(t.Context(), RootSource{Dir: root}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("diff", "-r", "--no-dereference", root, copied).CombinedOutput(); err != nil {
		t.Errorf("a root copied from a directory differs: %v\n%s", err, out)
	}
	if _, err := cache.NewRoot(t.Context(), RootSource{Dir: root, Tarball: paths[0]}, t.TempDir()); err == nil {
		t.Error("NewRoot from a directory and a tarball succeeded")
	}
}

func TestRootfsMirrorErrors(t *testing.T) {
	skipIfShort(t)
	notDebian := httptest.NewServer(http.NotFoundHandler())
	defer notDebian.Close()
	tests := []struct {
		name, mirror string
		want         []string
	}{
		{name: "unreachable", mirror: "http://127.0.0.1:1/debian",
			want: []string{"debian mirror http://127.0.0.1:1/debian (from the configuration) is unreachable", "set GOLDEN_DEBIAN_MIRROR"}},
		{name: "not a mirror", mirror: notDebian.URL,
			want: []string{"debian mirror " + notDebian.URL + " (from the configuration) answered 404 Not Found", "set GOLDEN_DEBIAN_MIRROR"}},
		{name: "missing file mirror", mirror: "file:///nonexistent/debian",
			want: []string{"has no /nonexistent/debian/dists/bookworm/Release", "set GOLDEN_DEBIAN_MIRROR"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Cache{Dir: t.TempDir()}.Rootfs(t.Context(), Spec{Mirror: tt.mirror})
			for _, want := range tt.want {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("Rootfs with mirror %s = %v, want an error containing %q", tt.mirror, err, want)
				}
			}
		})
	}
}

// skipIfShort is sandboxtest.SkipIfShort, which this package cannot import.
func skipIfShort(t *testing.T) {
	if testing.Short() {
		t.Skip("needs root and unshare: not run with -short")
	}
}
