using Dab.Cli;

namespace Dab.Tests.Cli;

/// <summary>Runs <c>dab</c> in-process with captured output, as the CLI tests need it.</summary>
public static class CliHarness
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }
}
