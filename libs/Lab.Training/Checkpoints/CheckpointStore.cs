using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lab.Training.Configuration;

namespace Lab.Training.Checkpoints;

/// <summary>
/// Checkpoint files in one folder, named <c>step-NNNNNNNN.ckpt</c>. Layout: magic, binary payload, header JSON,
/// header length, end magic. Written to a temporary file, flushed to disk and renamed, so a reader sees a whole
/// checkpoint or none; read back only after the length and SHA-256 of the payload check out.
/// </summary>
public sealed class CheckpointStore(string directory)
{
    private static readonly byte[] StartMagic = "LABCKPT1"u8.ToArray();
    private static readonly byte[] EndMagic = "LABCKEND"u8.ToArray();
    private const string Extension = ".ckpt";
    private const int TrailerBytes = 4 + 8;

    public string Directory { get; } = Path.GetFullPath(directory);

    public string PathFor(int step) => Path.Combine(Directory, $"step-{step:D8}{Extension}");

    /// <summary>Writes a checkpoint atomically; <paramref name="writePayload"/> writes model, optimizer and RNG state.</summary>
    public string Save(CheckpointHeader header, Action<BinaryWriter> writePayload)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = PathFor(header.Step);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                file.Write(StartMagic);
                using (var hashing = new HashingWriteStream(file))
                using (var writer = new BinaryWriter(hashing, Encoding.UTF8, leaveOpen: true))
                {
                    writePayload(writer);
                    writer.Flush();
                    header = header with { PayloadBytes = hashing.Written, PayloadSha256 = hashing.HashHex() };
                }
                var json = JsonSerializer.SerializeToUtf8Bytes(header, LabJson.Options);
                file.Write(json);
                Span<byte> length = stackalloc byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(length, json.Length);
                file.Write(length);
                file.Write(EndMagic);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
            return path;
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Checkpoint files by step, newest first (by name only: see <see cref="Verify"/> before trusting one).</summary>
    public IReadOnlyList<(int Step, string Path)> List()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }
        return System.IO.Directory.EnumerateFiles(Directory, "step-*" + Extension)
            .Select(p => (Ok: int.TryParse(Path.GetFileNameWithoutExtension(p)["step-".Length..], out var step), Step: step, Path: p))
            .Where(c => c.Ok)
            .OrderByDescending(c => c.Step)
            .Select(c => (c.Step, c.Path))
            .ToList();
    }

    /// <summary>Reads and checks a checkpoint's header and payload hash; throws <see cref="CheckpointException"/> if anything is off.</summary>
    public static CheckpointHeader Verify(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            var header = ReadHeader(file, path);
            file.Position = StartMagic.Length;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 20];
            for (var left = header.PayloadBytes; left > 0;)
            {
                var read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (read == 0)
                {
                    throw Corrupt(path, "payload is truncated");
                }
                hash.AppendData(buffer, 0, read);
                left -= read;
            }
            if (Convert.ToHexStringLower(hash.GetHashAndReset()) != header.PayloadSha256)
            {
                throw Corrupt(path, "payload checksum does not match");
            }
            return header;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"checkpoint '{path}' cannot be read: {e.Message}");
        }
    }

    /// <summary>Opens a verified checkpoint positioned at its payload.</summary>
    public static (CheckpointHeader Header, BinaryReader Payload) Open(string path)
    {
        var header = Verify(path);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20) { Position = StartMagic.Length };
        return (header, new BinaryReader(file, Encoding.UTF8, leaveOpen: false));
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> checkpoints, and temporary files of interrupted writes.</summary>
    public void Prune(int keep)
    {
        foreach (var (_, path) in List().Skip(keep))
        {
            File.Delete(path);
        }
        if (System.IO.Directory.Exists(Directory))
        {
            foreach (var temporary in System.IO.Directory.EnumerateFiles(Directory, "*.tmp"))
            {
                File.Delete(temporary);
            }
        }
    }

    private static CheckpointHeader ReadHeader(FileStream file, string path)
    {
        if (file.Length < StartMagic.Length + TrailerBytes + 2)
        {
            throw Corrupt(path, $"file is only {file.Length} bytes");
        }
        Span<byte> magic = stackalloc byte[8];
        file.ReadExactly(magic);
        if (!magic.SequenceEqual(StartMagic))
        {
            throw Corrupt(path, "not a Lab checkpoint (bad magic)");
        }
        file.Position = file.Length - TrailerBytes;
        Span<byte> trailer = stackalloc byte[TrailerBytes];
        file.ReadExactly(trailer);
        if (!trailer[4..].SequenceEqual(EndMagic))
        {
            throw Corrupt(path, "file is truncated (no end marker)");
        }
        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(trailer[..4]);
        var payloadBytes = file.Length - StartMagic.Length - TrailerBytes - headerLength;
        if (headerLength <= 0 || payloadBytes < 0)
        {
            throw Corrupt(path, "header length is invalid");
        }
        var json = new byte[headerLength];
        file.Position = StartMagic.Length + payloadBytes;
        file.ReadExactly(json);
        CheckpointHeader header;
        try
        {
            header = JsonSerializer.Deserialize<CheckpointHeader>(json, LabJson.Options)
                ?? throw Corrupt(path, "header is empty");
        }
        catch (JsonException e)
        {
            throw Corrupt(path, $"header is not valid JSON ({e.Message})");
        }
        if (header.Format != CheckpointHeader.CurrentFormat)
        {
            throw Corrupt(path, $"format {header.Format} is not supported (expected {CheckpointHeader.CurrentFormat})");
        }
        if (header.PayloadBytes != payloadBytes)
        {
            throw Corrupt(path, $"payload is {payloadBytes} bytes but the header says {header.PayloadBytes}");
        }
        return header;
    }

    private static CheckpointException Corrupt(string path, string why) => new($"checkpoint '{path}' is corrupt: {why}");
}
