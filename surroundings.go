package main

import (
	"io"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/config"
	"github.com/oz-run/oz-run-action/internal/workspace"
)

// surroundings are what a run learns of where it runs, once: the workspace
// (in CI it confines paths) and the options of the CI platform.
type surroundings struct {
	args []string
	env  config.Env
	ws   *workspace.Workspace
	opts ci.Options
	// secrets are masked on the platform as soon as it is made.
	secrets []string
}

func newSurroundings(args []string, env config.Env, stdout, stderr io.Writer) *surroundings {
	ws := workspace.New(ci.WorkspaceDir(env.Get), ci.InCI(env.Get))
	return &surroundings{args: args, env: env, ws: ws,
		opts: ci.Options{Getenv: env.Get, Stdout: stdout, Stderr: stderr, Workspace: ws}}
}

// platform is the CI platform for cfg, with the secrets masked; for a nil
// cfg (the inputs did not load) with the report files as far as the
// arguments and the environment give them.
func (s *surroundings) platform(cfg *config.Config) ci.Platform {
	o := s.opts
	o.Dotenv, o.SummaryFile, o.JUnitFile = s.reportFiles(cfg)
	if cfg != nil {
		o.Debug = cfg.Debug
		o.OutputFile = cfg.OutputFile
		o.StructuredFile, o.CodeQualityFile = cfg.StructuredFile, cfg.CodeQualityFile
	}
	p := ci.Detect(o)
	p.Mask(s.secrets...)
	return p
}

// reportFiles are the dotenv, summary and JUnit paths: cfg's, or for a nil
// cfg as far as the arguments and the environment give them. (GitHub's
// platform writes none of them; on a terminal, the demo's included, they
// are set only when asked for.)
func (s *surroundings) reportFiles(cfg *config.Config) (dotenv, summaryFile, junitFile string) {
	if cfg == nil {
		return config.ReportFiles(s.args, s.env, s.ws)
	}
	return cfg.Dotenv, cfg.SummaryFile, cfg.JUnitFile
}

// outputFiles are the files p writes when the step ends, by the input that
// names each: the result file, the directory of the downloaded files and,
// off GitHub, the report files and the answer file.
func (s *surroundings) outputFiles(cfg *config.Config, p ci.Platform) []config.OutputFile {
	files := []config.OutputFile{
		{Input: "files_dir", Path: cfg.FilesDir, Dir: true},
		{Input: "result_file", Path: cfg.ResultFile},
	}
	if p.Name() == "github" {
		return files
	}
	dotenv, summaryFile, junitFile := s.reportFiles(cfg)
	if !cfg.Summary {
		summaryFile = "" // not written
	}
	return append(files,
		config.OutputFile{Input: "output_file", Path: cfg.OutputFile},
		config.OutputFile{Input: "dotenv", Path: dotenv},
		config.OutputFile{Input: "summary_file", Path: summaryFile},
		config.OutputFile{Input: "junit_file", Path: junitFile},
		config.OutputFile{Input: "structured_file", Path: cfg.StructuredFile},
		config.OutputFile{Input: "codequality_file", Path: cfg.CodeQualityFile})
}
