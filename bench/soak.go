package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/oz-run/oz-run-action/bench/soak"
)

// runSoak is `go run ./bench soak`.
func runSoak(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 300, "invocations")
	seed := fs.Uint64("seed", 1, "seed of the random plans (invocation i of a seed is always the same plan)")
	from := fs.Int("from", 0, "first invocation index (with -n 1: replay one invocation)")
	workers := fs.Int("workers", 1, "invocations at a time (1: sequential)")
	release := fs.Bool("release", false, "soak the release build instead of the checked one (no leak or race checks)")
	out := fs.String("out", "bench/RESULTS.md", "where to write the counts (relative to the module root); empty: nowhere")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(err error) int { fmt.Fprintln(stderr, "bench soak:", err); return 1 }
	root, err := moduleRoot(ctx)
	if err != nil {
		return fail(err)
	}
	work, err := os.MkdirTemp("", "oz-run-soak-bin-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(work)

	cfg := soak.Config{Seed: *seed, From: *from, N: *n, Workers: *workers,
		Progress: func(f string, a ...any) { fmt.Fprintf(stderr, "bench "+f+"\n", a...) }}
	build := "the release build"
	if *release {
		cfg.Binary = filepath.Join(work, "oz-run")
		err = buildRelease(ctx, root, cfg.Binary)
	} else {
		cfg.Binary = filepath.Join(work, "oz-run.test")
		fmt.Fprintln(stderr, "bench soak: building the checked program (go test -c -race)")
		var race bool
		race, err = buildChecked(ctx, root, cfg.Binary)
		cfg.Env = []string{"OZ_RUN_TEST_AS_PROGRAM=1"}
		build = "the checked build (the program with a goroutine-leak check at exit"
		if race {
			build += ", race detector on)"
		} else {
			build += "; the race detector could not be built)"
		}
	}
	if err != nil {
		return fail(err)
	}
	rep, err := soak.Run(ctx, cfg)
	if err != nil {
		return fail(err)
	}
	text := soakMarkdown(rep, build, strings.TrimSpace("go run ./bench soak "+strings.Join(args, " ")))
	fmt.Fprint(stdout, text)
	for _, f := range rep.Failures {
		fmt.Fprintf(stdout, "\nFAILED %s\n  %s\n%s\n", f.Plan, strings.Join(f.Problems, "\n  "), f.Log)
	}
	if *out != "" {
		path := *out
		if !filepath.IsAbs(path) {
			path = filepath.Join(root, path)
		}
		if _, err := writeSection(path, "soak", "Soak", text, true); err != nil {
			return fail(err)
		}
	}
	if len(rep.Failures) > 0 {
		return 1
	}
	return 0
}

func soakMarkdown(r soak.Report, build, command string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Soaked %s: `%s` (seed %d), %d invocations of %s in %s, load average %s at the end.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), command, r.Seed, r.Invocations, build, r.Elapsed.Round(time.Second), loadAverage())
	fmt.Fprintf(&b, "| count | |\n|---|---|\n")
	fmt.Fprintf(&b, "| invariant violations | **%d** |\n", len(r.Failures))
	var exits []string
	for _, c := range slices.Sorted(mapsKeys(r.ByExit)) {
		exits = append(exits, fmt.Sprintf("%d: %d", c, r.ByExit[c]))
	}
	fmt.Fprintf(&b, "| by exit code | %s |\n", strings.Join(exits, ", "))
	fmt.Fprintf(&b, "| runs created | %d (never more than one per invocation, or per item of a batch: checked) |\n", r.RunsCreated)
	fmt.Fprintf(&b, "| lost create answers recovered by request id | %d |\n", r.Recovered)
	fmt.Fprintf(&b, "| timed out | %d |\n", r.Timeouts)
	fmt.Fprintf(&b, "| signalled (SIGINT/SIGTERM) / ended by it | %d / %d |\n", r.Signals, r.Aborted)
	fmt.Fprintf(&b, "| GitLab jobs (dotenv) / GitHub steps | %d / %d |\n", r.GitLab, r.Invocations-r.GitLab)
	fmt.Fprintf(&b, "| follow-ups of an earlier run / with files_dir / an answer published / files downloaded | %d / %d / %d / %d |\n",
		r.Followups, r.WithFilesDir, r.Answers, r.Files)
	var blocked []string
	for _, k := range slices.Sorted(mapsKeys(r.BatchOnBlocked)) {
		blocked = append(blocked, fmt.Sprintf("%s %d", k, r.BatchOnBlocked[k]))
	}
	fmt.Fprintf(&b, "| batches by on_blocked / blocked_reply requests / runs unblocked by a person / runs ended error by an uncertain reply | %s / %d / %d / %d |\n",
		strings.Join(blocked, ", "), r.BatchReplies, r.BatchUnblocked, r.BatchReplyErrors)
	var faults []string
	for _, k := range slices.Sorted(mapsKeys(r.ByFault)) {
		faults = append(faults, fmt.Sprintf("%s %d", k, r.ByFault[k]))
	}
	fmt.Fprintf(&b, "| faults injected | %s |\n", strings.Join(faults, "; "))
	b.WriteString("\nChecked after every invocation: no hang, leak, race or panic; at most one run created; exit code and " +
		"conclusion as the scenario and faults imply (transient faults change nothing); run_id and state matching the " +
		"fake's run; outputs parsing by GitHub's or GitLab's rules; the key in no stream or file in any form the redactor knows (nor as a reader of the Markdown sees it); no output holding a control or bidi character; no cancel when " +
		"on_timeout is leave or cancel_on_abort is false, a cancelled run otherwise; the agent's answer published and the files of a " +
		"run that made them downloaded whole once it ended by its own state, nothing written outside files_dir, never two follow-ups, " +
		"at most one conversation read unless it failed (after a follow-up to an ended run, one more before it and at most one a " +
		"status read while the run may show its stale state; half the follow-ups' acceptances move updated_at at once " +
		"([fake:touch]), a third of their new executions start and end between two polls ([fake:quick])). About one invocation in five gets a hostile " +
		"answer to its status reads (the key echoed in one of its encoded forms, control and bidi characters in every field, a 16 MiB " +
		"status message, the largest run the client reads): then also the summary's last section in place. " +
		"Drawn after all of that, about one in four whose run ends by itself gets one of issue 16's classes of the agent's work: " +
		"an answer holding the key transformed (upper-cased, reversed, spaced out, in base64 at any offset: the key is also looked " +
		"for in those forms everywhere, by a search of the checker's own, and each base64 token that held it must be gone whole), " +
		"every download redirected with the key in the Location (back to the file server or to another loopback host, which must get " +
		"nothing; each file a warning), a conversation that never answers under a 6 s timeout (the work's budget ends the read: the " +
		"run's conclusion, a warning), SIGINT or SIGTERM while the answer is read or a file downloads (exit 5, the run's conclusion " +
		"and state in whole outputs, no cancel, no file left), or a run listing 1001 FILE artifacts (one warning). " +
		"Last, about one in eight becomes a batch (prompts: 2-8 items of mixed scenarios, max_parallel 1-4, sometimes fail_fast) under " +
		"a fault of its own (creates failing before or after creating, lost with no metadata filter, refused for good; the list " +
		"refused, failing or throttled), its signal and cancel faults kept: never two runs for an item (the fake's runs by " +
		"oz_run_item), exactly one each when no create failed for good and nothing cut the batch short, each the conclusion of its " +
		"scenario then, the runs output (GitLab: oz-run-runs.json) valid JSON with an entry an item in list order, conclusion the " +
		"worst of them, exit code by the contract, one warning when the list was refused, the key nowhere. A batch's on_blocked is fail, wait or reply " +
		"(with wait or reply about a third of its items stop BLOCKED), each run following it as one run does: wait, a person " +
		"unblocks some runs from the session (the fake's run works again, then succeeds: the item succeeds), the others wait " +
		"until the batch's timeout and end blocked (a run the lists showed BLOCKED before it never ends timed_out); reply, " +
		"exactly one follow-up to each run that stopped BLOCKED and none to the others or with fail or wait, its new execution " +
		"succeeding or blocking again (then blocked); a reply whose fate is unknown (502 or reset, before or after it arrived) " +
		"ends that run error, sent once, exit 3, the others going on; a run ending blocked is BLOCKED in the fake and never " +
		"cancelled but by an abort.\n")
	return b.String()
}

func mapsKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
