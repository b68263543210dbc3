package secrets

import (
	"errors"
	"strings"
	"testing"

	"github.com/egide/egide/repo"
)

// TestNoValuesInOutput runs set, unset, list (without --show-values),
// import and edit, in success and failure, on a terminal and in a pipe,
// and fails if any value reaches stdout, stderr or an error.
func TestNoValuesInOutput(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(ttyName(tty), func(t *testing.T) {
			et := newEditTest(t)
			et.IO.SetTTY(false, tty, tty)
			check := func(what string, err error, wantErr bool) {
				t.Helper()
				if (err != nil) != wantErr {
					t.Fatalf("%s: err = %v, want error: %v", what, err, wantErr)
				}
				all := et.Out.String() + et.ErrOut.String()
				if err != nil {
					all += err.Error()
				}
				if strings.Contains(all, "s3cr3t") {
					t.Errorf("%s printed a value:\n%.300q", what, all)
				}
				et.resetOutput()
			}

			check("set", setRun(et.ctx, et.setOpts("A=s3cr3t-arg", "M=s3cr3t-multi\nline")), false)
			et.In.WriteString("s3cr3t-stdin\n")
			check("set from stdin", setRun(et.ctx, et.setOpts("B")), false)
			o := et.setOpts("C")
			o.FromFile = et.writeFile("value", "s3cr3t-file\n")
			check("set --from-file", setRun(et.ctx, o), false)
			check("set over the limit", setRun(et.ctx, et.setOpts("BIG=s3cr3t-big"+strings.Repeat("Z", repo.MaxValueSize))), true)
			et.In.WriteString("s3cr3t-big" + strings.Repeat("Z", repo.MaxValueSize) + "\n")
			check("set over the limit from stdin", setRun(et.ctx, et.setOpts("BIG")), true)
			check("set NUL", setRun(et.ctx, et.setOpts("NUL=s3cr3t-nul\x00")), true)
			check("set bad key", setRun(et.ctx, et.setOpts("D=s3cr3t-d", "1BAD=s3cr3t-bad")), true)

			list := func(when string) {
				for _, js := range []bool{false, true} {
					for _, at := range []string{"", "HEAD"} {
						if at != "" && when == "staged" {
							continue
						}
						o := et.listOpts()
						o.JSON, o.At = js, at
						check(when+": list", listRun(et.ctx, o), false)
					}
				}
			}
			list("staged")
			et.commit("one")
			list("committed")

			check("unset", unsetRun(et.ctx, et.unsetOpts("A")), false)
			check("unset missing", unsetRun(et.ctx, et.unsetOpts("B", "NOPE")), true)
			check("get removed", getRun(et.ctx, et.getOpts("A")), true)

			for _, f := range []struct{ name, content string }{
				{"ok.env", "E=s3cr3t-e\nF=\"s3cr3t-f\"\n"},
				{"ok.json", `{"G": "s3cr3t-g"}`},
				{"ok.yaml", "H: s3cr3t-h\n"},
			} {
				check("import "+f.name, importRun(et.ctx, et.importOpts(et.writeFile(f.name, f.content))), false)
			}
			for _, f := range []struct{ name, content string }{
				{"bad1.env", "I=1\nJ=\"s3cr3t-unterminated\n"},
				{"bad2.env", "I=1\ns3cr3t-stray\n"},
				{"bad3.env", "I='x' s3cr3t-after\n"},
				{"bad4.env", "I=${s3cr3t\n"},
				{"bad5.env", "I=${NOPE:?s3cr3t-msg}\n"},
				{"bad.json", `{"I": s3cr3t}`},
				{"bad2.json", `{"I": {"s3cr3t": 1}}`},
				{"bad.yaml", "I: [s3cr3t\n"},
				{"bad2.yaml", "I:\n  s3cr3t: 1\n"},
				{"big.env", "I=s3cr3t-big" + strings.Repeat("Z", repo.MaxValueSize) + "\n"},
			} {
				check("import "+f.name, importRun(et.ctx, et.importOpts(et.writeFile(f.name, f.content))), true)
			}
			list("imported")

			et.Env["EDITOR"] = et.editor("edit.sh", `printf 'K=s3cr3t-k\n' >> "$1"; sed -i 's/^E=.*/E=s3cr3t-changed/' "$1"`)
			check("edit", editRun(et.ctx, et.editOpts()), false)
			et.Env["EDITOR"] = et.editor("edit.sh", `printf 'L="s3cr3t-l\n' >> "$1"`)
			check("edit parse error", editRun(et.ctx, et.editOpts()), true)
			et.Env["EDITOR"] = et.editor("edit.sh", `printf 's3cr3t-stray\n' >> "$1"`)
			check("edit stray line", editRun(et.ctx, et.editOpts()), true)
			et.Env["EDITOR"] = et.editor("edit.sh", `printf 'L=s3cr3t-l\n' >> "$1"; exit 1`)
			check("edit failing editor", editRun(et.ctx, et.editOpts()), true)
			et.Env["EDITOR"] = et.editor("edit.sh", `:`)
			check("edit unchanged", editRun(et.ctx, et.editOpts()), false)
			list("edited")

			if v := et.value("E"); v != "s3cr3t-changed" {
				t.Errorf("E = %q", v)
			}
			if _, err := et.r.Get(et.ctx, "dev", "L", ""); !errors.Is(err, repo.ErrNotFound) {
				t.Errorf("L staged by a failed edit: %v", err)
			}

			// With --show-values the values do appear.
			o2 := et.listOpts()
			o2.ShowValues = true
			if err := listRun(et.ctx, o2); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(et.Out.String(), `"s3cr3t-multi\nline"`) {
				t.Errorf("list --show-values:\n%s", et.Out)
			}
		})
	}
}
