namespace Dab.Cli;

public static class Program
{
    public const string Usage = """
        dab: differentiable approximation bridges (Ramapuram & Webb) on a from-scratch tensor engine

        usage: dab <command> [options]

        commands:
          sort     train a sorting network (paper section IV-A) and report all-or-none accuracy
          info     list devices, where their kernels come from, threads and SIMD support
          bench    time whole training steps (sort-step), e.g. against PyTorch (scripts/bench-vs-pytorch.sh)
          check    compare every op on a GPU device (cuda or emu) with the CPU, and time GEMM and a training step
          report   aggregate runs: 'dab report sort RUN_DIR...' writes the paper's Table II, Fig. 6 and plots

        'dab <command> --help' lists a command's options.
        """;

    public static int Main(string[] args)
    {
        Kernels.Gpu.KernelBackends.Register(); // explicit, so trimmed builds keep the GPU backends
        return Run(args, Console.Out, Console.Error);
    }

    /// <summary>Runs a command; user errors exit 2 with one line on stderr, failures exit 1, never a stack trace.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                stdout.WriteLine(Usage);
                return args.Length == 0 ? 2 : 0;
            }
            var rest = args[1..];
            return args[0] switch
            {
                "sort" => SortCommand.Run(rest, stdout, stderr),
                "info" => InfoCommand.Run(rest, stdout),
                "check" => CheckCommand.Run(rest, stdout),
                "report" => ReportCommand.Run(rest, stdout),
                "bench" => BenchCommand.Run(rest, stdout),
                _ => throw new UsageException($"unknown command '{args[0]}' (commands: sort, info, check, bench, report)"),
            };
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"dab: {e.Message}");
            return 2;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("DAB_DEBUG") != "1")
        {
            stderr.WriteLine($"dab: error: {e.Message}");
            return 1;
        }
    }
}
