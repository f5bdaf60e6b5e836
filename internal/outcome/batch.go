package outcome

import (
	"errors"
	"fmt"
	"time"
)

// A batch (prompts): each run's Result, and the step's outcome made of them.

// BatchRun is one run of a batch: its key and its own outcome.
type BatchRun struct {
	Key    string
	Result Result
	// NotStarted: the batch ended (fail_fast, its timeout, an abort)
	// before this run was created.
	NotStarted bool
}

// Batch is a batch's outcome: its runs in list order, and how it ended.
type Batch struct {
	ID      string
	Runs    []BatchRun
	Started time.Time
	Ended   time.Time
	// Aborted: a signal ended the batch; TimedOut: its timeout did;
	// FailedFast: fail_fast did.
	Aborted, TimedOut, FailedFast bool
}

// worstFirst is the contract's order of a batch's conclusions, the worst
// first; a conclusion not listed ranks after them.
var worstFirst = []Conclusion{Error, Failed, InvalidOutput, Rejected, OverBudget, Blocked, TimedOut, Cancelled, Succeeded}

func rank(c Conclusion) int {
	for i, w := range worstFirst {
		if c == w {
			return i
		}
	}
	return len(worstFirst)
}

// Worst is the worst of the conclusions (empty for none): a batch's
// conclusion.
func Worst(cs ...Conclusion) Conclusion {
	var worst Conclusion
	for _, c := range cs {
		if c != "" && (worst == "" || rank(c) < rank(worst)) {
			worst = c
		}
	}
	return worst
}

// Conclusion is the run's conclusion in a batch: error when it has none
// because the API failed it.
func (r BatchRun) Conclusion() Conclusion {
	if r.Result.Conclusion == "" && r.Result.Err != nil && !r.Result.Aborted {
		return Error
	}
	return r.Result.Conclusion
}

// Result is the step's outcome: the worst conclusion, aborted when the
// batch was, and an error (exit 3) when the API failed a run; the run's
// own fields (id, state, run) are empty.
func (b Batch) Result() Result {
	res := Result{Started: b.Started, Ended: b.Ended, Aborted: b.Aborted}
	var cs []Conclusion
	var errs []error
	for _, r := range b.Runs {
		cs = append(cs, r.Conclusion())
		if r.Result.Err != nil && !r.Result.Aborted {
			errs = append(errs, fmt.Errorf("%s: %w", r.Key, r.Result.Err))
		}
		if r.Result.CancelErr != nil && res.CancelErr == nil {
			res.CancelErr = fmt.Errorf("%s: %w", r.Key, r.Result.CancelErr)
		}
	}
	res.Conclusion = Worst(cs...)
	switch {
	case b.Aborted:
		res.Err = errors.New("aborted while the batch's runs were working")
		for _, r := range b.Runs {
			if r.Result.Aborted && r.Result.Err != nil {
				res.Err = r.Result.Err
				break
			}
		}
	case len(errs) > 0:
		res.Err = errors.Join(errs...)
	}
	return res
}

// ExitCode is the step's exit code under fail_on.
func (b Batch) ExitCode(failOn FailOn) int { return b.Result().ExitCode(failOn) }
