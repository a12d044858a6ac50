using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;

namespace ContainerSec.Tests.Cryptography;

/// <summary>
/// Runs the real <c>openssl</c> CLI in a scratch directory of its own (deleted on dispose) for
/// the CMS interop tests. <c>.ci/run</c> installs openssl when it is absent.
/// </summary>
internal sealed class CmsOpenSsl : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("containersec-cms-");

    public string PathOf(string name) => Path.Combine(_directory.FullName, name);

    /// <summary>Writes <paramref name="bytes"/> to a file in the scratch directory and returns its path.</summary>
    public string Write(string name, byte[] bytes)
    {
        string path = PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Writes a certificate as PEM (and with <paramref name="withKey"/> its key as PKCS#8 PEM, "<c>name.key</c>").</summary>
    public string WriteCertificate(string name, X509Certificate2 certificate, bool withKey = false)
    {
        string path = PathOf(name + ".pem");
        CmsTestPki.WritePem(certificate, path, withKey ? PathOf(name + ".key") : null);
        return path;
    }

    /// <summary>Writes the PKI's root, intermediate and leaf (with key) as root.pem, intermediate.pem, leaf.pem/leaf.key.</summary>
    public void WritePki(CmsTestPki pki)
    {
        WriteCertificate("root", pki.Root);
        WriteCertificate("intermediate", pki.Intermediate);
        WriteCertificate("leaf", pki.Leaf, withKey: true);
    }

    /// <summary>Runs openssl with <paramref name="arguments"/>; returns its exit code and combined output.</summary>
    public (int ExitCode, string Output) Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory.FullName,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill();
            throw new TimeoutException("openssl " + string.Join(' ', arguments));
        }

        return (process.ExitCode, output.Result + error.Result);
    }

    /// <summary>Runs openssl and fails the test when it exits non-zero.</summary>
    public string RunOk(params string[] arguments)
    {
        (int exitCode, string output) = Run(arguments);
        Assert.True(exitCode == 0, $"openssl {string.Join(' ', arguments)} exited {exitCode}: {output}");
        return output;
    }

    /// <summary><c>openssl cms -sign</c>, detached, DER, with the scratch directory's leaf.pem/leaf.key and intermediate.pem.</summary>
    public byte[] Sign(byte[] content, string digest, params string[] extra) =>
        SignWithoutIntermediate(content, digest, ["-certfile", PathOf("intermediate.pem"), .. extra]);

    /// <summary><c>openssl cms -sign</c>, detached, DER, with leaf.pem/leaf.key, embedding the signer's certificate only.</summary>
    public byte[] SignWithoutIntermediate(byte[] content, string digest, params string[] extra)
    {
        string contentPath = Write("content.bin", content);
        string signaturePath = PathOf("openssl-signature.der");
        RunOk([
            "cms", "-sign", "-binary", "-in", contentPath, "-outform", "DER", "-out", signaturePath,
            "-md", digest, "-signer", PathOf("leaf.pem"), "-inkey", PathOf("leaf.key"), .. extra]);
        return File.ReadAllBytes(signaturePath);
    }

    /// <summary><c>openssl cms -verify</c> of a detached DER signature against root.pem; returns the exit code and output.</summary>
    public (int ExitCode, string Output) Verify(byte[] content, byte[] signature, params string[] extra) =>
        Run([
            "cms", "-verify", "-binary", "-inform", "DER", "-in", Write("signature.der", signature),
            "-content", Write("verify-content.bin", content), "-CAfile", PathOf("root.pem"), "-out", PathOf("verified.bin"), .. extra]);

    public void Dispose() => _directory.Delete(recursive: true);
}
