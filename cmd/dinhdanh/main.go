// Command dinhdanh is the national electronic-identity provider: the
// server and the operators' and registrars' tools.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := rootCommand().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "dinhdanh:", err)
		os.Exit(1)
	}
}

func rootCommand() *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:           "dinhdanh",
		Short:         "National electronic-identity provider (OpenID Connect)",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	g.bind(root)
	root.AddCommand(serveCommand(g), migrateCommand(g), demoCommand(g), citizensCommand(g), accountsCommand(g), clientsCommand(g), keysCommand(g), claimsCommand(g))
	return root
}

func newLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// output prints v as JSON with --json, otherwise the text.
func output(g *globalFlags, cmd *cobra.Command, v any, text string) error {
	if g.json {
		enc := json.NewEncoder(cmd.OutOrStdout())
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	_, err := fmt.Fprint(cmd.OutOrStdout(), text)
	return err
}
