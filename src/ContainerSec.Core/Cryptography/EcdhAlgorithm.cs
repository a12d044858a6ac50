using System.Formats.Asn1;
using System.Security.Cryptography;
using ContainerSec.Internal;

namespace ContainerSec.Cryptography;

/// <summary>
/// ECDH over a NIST prime curve through the BCL's <see cref="ECDiffieHellman"/> (OpenSSL on Linux).
/// Public keys are imported into an <see cref="ECDiffieHellman"/> once, which makes OpenSSL check
/// that the point is on the curve and in the prime-order group; the platform checks it again in
/// each derivation (see <c>docs/key-exchange.md</c>, "Where the time goes").
/// </summary>
internal sealed class EcdhAlgorithm : KeyAgreementAlgorithm
{
    private readonly ECCurve _curve;
    private readonly string _curveOid;
    private readonly int _fieldSize;
    private readonly Lazy<(byte[] Prime, byte[] Order)> _explicit;

    internal EcdhAlgorithm(string name, ECCurve curve, string curveOid, int fieldSize)
        : base(name, fieldSize, 1 + (2 * fieldSize), fieldSize)
    {
        _curve = curve;
        _curveOid = curveOid;
        _fieldSize = fieldSize;
        _explicit = new Lazy<(byte[] Prime, byte[] Order)>(ReadExplicitParameters, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The field prime p and group order n, big-endian and <see cref="_fieldSize"/> long, read once from the platform.</summary>
    private (byte[] Prime, byte[] Order) Explicit => _explicit.Value;

    internal override KeyAgreementPrivateKey.Core Generate() => new EcdhCore(this, ECDiffieHellman.Create(_curve));

    internal override KeyAgreementPrivateKey.Core ImportPrivateKey(ReadOnlySpan<byte> source)
    {
        if (source.Length != _fieldSize)
        {
            throw Error.InvalidKey(Name, "private key", $"it must be a {_fieldSize}-byte big-endian scalar; {source.Length} bytes were given");
        }

        if (!source.ContainsAnyExcept((byte)0) || source.SequenceCompareTo(Explicit.Order) >= 0)
        {
            throw Error.InvalidKey(Name, "private key", "the scalar must be at least 1 and less than the group order");
        }

        var parameters = new ECParameters { Curve = _curve, D = source.ToArray() };
        try
        {
            return new EcdhCore(this, ECDiffieHellman.Create(parameters));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
        }
    }

    internal override KeyAgreementPrivateKey.Core ImportPkcs8PrivateKey(ReadOnlySpan<byte> source)
    {
        var key = ECDiffieHellman.Create();
        try
        {
            int bytesRead;
            try
            {
                key.ImportPkcs8PrivateKey(source, out bytesRead);
            }
            catch (CryptographicException ex)
            {
                throw Error.InvalidKey(Name, "PKCS#8 private key", "it is malformed, not an EC key, or not a valid key", ex);
            }

            if (bytesRead != source.Length)
            {
                throw Error.InvalidKey(Name, "PKCS#8 private key", "there are bytes after the DER structure");
            }

            CheckCurve(key.ExportParameters(includePrivateParameters: false).Curve, "PKCS#8 private key");
            return new EcdhCore(this, key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Validates <c>04 ‖ X ‖ Y</c> and returns the imported platform key.</summary>
    internal override object ValidatePublicKey(ReadOnlySpan<byte> source)
    {
        if (source.Length == 1 && source[0] == 0)
        {
            throw Error.InvalidKey(Name, "public key", "it is the point at infinity");
        }

        if (source.Length > 0 && source[0] is 2 or 3)
        {
            throw Error.InvalidKey(Name, "public key", "compressed points are refused; send the uncompressed form 04 ‖ X ‖ Y");
        }

        if (source.Length != PublicKeySizeInBytes || source[0] != 4)
        {
            throw Error.InvalidKey(Name, "public key", $"it must be the uncompressed point 04 ‖ X ‖ Y of {PublicKeySizeInBytes} bytes; {source.Length} bytes were given");
        }

        ReadOnlySpan<byte> x = source.Slice(1, _fieldSize), y = source.Slice(1 + _fieldSize, _fieldSize);
        byte[] prime = Explicit.Prime;
        if (x.SequenceCompareTo(prime) >= 0 || y.SequenceCompareTo(prime) >= 0)
        {
            throw Error.InvalidKey(Name, "public key", "a coordinate is not reduced modulo the field prime");
        }

        var parameters = new ECParameters { Curve = _curve, Q = new ECPoint { X = x.ToArray(), Y = y.ToArray() } };
        ECDiffieHellman key;
        try
        {
            key = ECDiffieHellman.Create(parameters);
        }
        catch (CryptographicException ex)
        {
            throw Error.InvalidKey(Name, "public key", "the point is not on the curve", ex);
        }

        // The public-key object keeps its own reference to the native key; the outer object can go.
        using (key)
        {
            return key.PublicKey;
        }
    }

    internal override byte[] ReadSubjectPublicKeyInfo(ReadOnlySpan<byte> source)
    {
        (string oid, byte[] parameters, byte[] key) = KeyDer.ReadSubjectPublicKeyInfo(source, Name);
        if (oid != KeyDer.EcPublicKeyOid)
        {
            throw Error.InvalidKey(Name, "SubjectPublicKeyInfo", $"the algorithm is {oid}, not id-ecPublicKey");
        }

        string curve;
        try
        {
            var reader = new AsnReader(parameters, AsnEncodingRules.DER);
            if (!reader.HasData || !reader.PeekTag().HasSameClassAndValue(Asn1Tag.ObjectIdentifier))
            {
                throw Error.InvalidKey(Name, "SubjectPublicKeyInfo", "explicit or implicit curve parameters are refused; only named curves are accepted");
            }

            curve = reader.ReadObjectIdentifier();
            reader.ThrowIfNotEmpty();
        }
        catch (AsnContentException ex)
        {
            throw Error.InvalidKey(Name, "SubjectPublicKeyInfo", "malformed curve parameters", ex);
        }

        if (curve != _curveOid)
        {
            throw Error.InvalidKey(Name, "SubjectPublicKeyInfo", $"the curve is {curve}, not {_curveOid}");
        }

        return key;
    }

    internal override byte[] WriteSubjectPublicKeyInfo(ReadOnlySpan<byte> publicKey) =>
        KeyDer.WriteSubjectPublicKeyInfo(KeyDer.EcPublicKeyOid, _curveOid, publicKey);

    private (byte[] Prime, byte[] Order) ReadExplicitParameters()
    {
        using var key = ECDiffieHellman.Create(_curve);
        ECCurve curve = key.ExportExplicitParameters(includePrivateParameters: false).Curve;
        return (LeftPad(curve.Prime!), LeftPad(curve.Order!));
    }

    private void CheckCurve(ECCurve curve, string what)
    {
        if (!curve.IsNamed || curve.Oid.Value != _curveOid)
        {
            throw Error.InvalidKey(Name, what, $"the curve is {(curve.IsNamed ? curve.Oid.Value : "explicit")}, not the named curve {_curveOid}");
        }
    }

    private byte[] LeftPad(byte[] value)
    {
        if (value.Length == _fieldSize)
        {
            return value;
        }

        byte[] padded = new byte[_fieldSize];
        value.CopyTo(padded.AsSpan(_fieldSize - value.Length));
        return padded;
    }

    /// <summary>A private key held in the platform's key object.</summary>
    private sealed class EcdhCore : KeyAgreementPrivateKey.Core
    {
        private readonly EcdhAlgorithm _algorithm;
        private readonly ECDiffieHellman _key;
        private int _disposed;

        public EcdhCore(EcdhAlgorithm algorithm, ECDiffieHellman key)
        {
            _algorithm = algorithm;
            _key = key;
            ECParameters parameters = key.ExportParameters(includePrivateParameters: false);
            byte[] encoded = new byte[algorithm.PublicKeySizeInBytes];
            encoded[0] = 4;
            algorithm.LeftPad(parameters.Q.X!).CopyTo(encoded, 1);
            algorithm.LeftPad(parameters.Q.Y!).CopyTo(encoded, 1 + algorithm._fieldSize);
            PublicKey = encoded;
        }

        public override byte[] PublicKey { get; }

        public override bool IsDisposed => Volatile.Read(ref _disposed) != 0;

        public override void ExportPrivateKey(Span<byte> destination)
        {
            ECParameters parameters = _key.ExportParameters(includePrivateParameters: true);
            try
            {
                byte[] d = parameters.D!;
                Span<byte> target = destination[.._algorithm._fieldSize];
                target.Clear();
                d.CopyTo(target[(target.Length - d.Length)..]);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(parameters.D);
            }
        }

        public override byte[] ExportPkcs8PrivateKey() => _key.ExportPkcs8PrivateKey();

        public override SecretBytes Agree(KeyAgreementPublicKey peerPublicKey, object owner)
        {
            var peer = (ECDiffieHellmanPublicKey)peerPublicKey.GetNative();
            byte[] raw;
            try
            {
                raw = _key.DeriveRawSecretAgreement(peer);
            }
            catch (ObjectDisposedException)
            {
                throw new ObjectDisposedException(owner.GetType().FullName);
            }

            try
            {
                return SecretBytes.Copy(raw);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(raw);
            }
        }

        public override void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _key.Dispose();
            }
        }
    }
}
