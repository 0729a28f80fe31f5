using System.Text.Json;
using System.Text.Json.Nodes;
using Lab.Training.Configuration;
using Lab.Training.Protocol;

namespace Lab.Training.Tests;

/// <summary>
/// The lines of <c>lab train --json</c> as the protocol's records write and read them: exactly the JSON programs already
/// rely on (with the protocol's version in the started line), and read back by the same types the engine writes.
/// </summary>
public sealed class TrainingProtocolTests
{
    private static readonly RunConfig Config = Presets.Get(Presets.Tiny);

    /// <summary>Every kind of line, and the JSON the engine printed for it before the protocol had a version.</summary>
    public static TheoryData<string, TrainingEvent, string> Lines => new()
    {
        {
            "started",
            new StartedEvent(5, 12, true, "/runs/x/checkpoints/step-00000005.ckpt", 123456, 65432, 256, "byte", 100000, 5000, "cpu", 2, "loop", 1234.5, Config),
            """{"event":"started","protocol":1,"step":5,"total_steps":12,"resumed":true,"resumed_from":"/runs/x/checkpoints/step-00000005.ckpt","parameters":123456,"active_parameters":65432,"vocab_size":256,"tokenizer":"byte","train_tokens":100000,"validation_tokens":5000,"device":"cpu","threads":2,"dispatch":"loop","model_flops_per_token":1234.5,"config":"""
                + Config.ToJson() + "}"
        },
        {
            "progress",
            new ProgressEvent(10, 12, 3.25, 0.01, 0.0003, 1.5, 40960, 1234.5, 0.75, 1.25, 0.3, 12.5, 2.5),
            """{"event":"progress","step":10,"total_steps":12,"loss":3.25,"aux_loss":0.01,"lr":0.0003,"grad_norm":1.5,"tokens":40960,"tokens_per_s":1234.5,"model_gflops_per_s":0.75,"expert_load_max_over_mean":1.25,"expert_load_cv":0.3,"elapsed_s":12.5,"eta_s":2.5}"""
        },
        {
            "progress that diverged",
            new ProgressEvent(11, 12, double.NaN, 0, 0, double.PositiveInfinity, 1, 2, 3, 4, 5, 6, 7),
            """{"event":"progress","step":11,"total_steps":12,"loss":"NaN","aux_loss":0,"lr":0,"grad_norm":"Infinity","tokens":1,"tokens_per_s":2,"model_gflops_per_s":3,"expert_load_max_over_mean":4,"expert_load_cv":5,"elapsed_s":6,"eta_s":7}"""
        },
        {
            "progress with each MoE layer's expert load",
            new ProgressEvent(20, 30, 2.5, 0, 0.001, 0.5, 81920, 1000, 0.5, 1.5, 0.2, 20, 10, null, [[0.5, 0.25, 0.25], [0.3333, 0.3333, 0.3334]]),
            """{"event":"progress","step":20,"total_steps":30,"loss":2.5,"aux_loss":0,"lr":0.001,"grad_norm":0.5,"tokens":81920,"tokens_per_s":1000,"model_gflops_per_s":0.5,"expert_load_max_over_mean":1.5,"expert_load_cv":0.2,"elapsed_s":20,"eta_s":10,"expert_load":[[0.5,0.25,0.25],[0.3333,0.3333,0.3334]]}"""
        },
        {
            "eval with each MoE layer's expert load",
            new EvaluationEvent(20, 2.25, 81920, 21, 1.25, new Dictionary<string, double[]> { ["code"] = [1, 0] }, [[0.75, 0.25]]),
            """{"event":"eval","step":20,"val_loss":2.25,"tokens":81920,"elapsed_s":21,"expert_load_max_over_mean":1.25,"expert_affinity":{"code":[1,0]},"expert_load":[[0.75,0.25]]}"""
        },
        {
            "eval",
            new EvaluationEvent(12, 2.5, 49152, 13.25, 1.5, new Dictionary<string, double[]> { ["code"] = [0.5, 0.25], ["prose's \"x\""] = [1] }),
            """{"event":"eval","step":12,"val_loss":2.5,"tokens":49152,"elapsed_s":13.25,"expert_load_max_over_mean":1.5,"expert_affinity":{"code":[0.5,0.25],"prose's \"x\"":[1]}}"""
        },
        {
            "eval without affinity",
            new EvaluationEvent(0, 5.5, 0, 0, 1, null),
            """{"event":"eval","step":0,"val_loss":5.5,"tokens":0,"elapsed_s":0,"expert_load_max_over_mean":1,"expert_affinity":null}"""
        },
        {
            "checkpoint",
            new CheckpointEvent(12, "/tmp/a b/checkpoints/step-00000012.ckpt", "request"),
            """{"event":"checkpoint","step":12,"path":"/tmp/a b/checkpoints/step-00000012.ckpt","reason":"request"}"""
        },
        {
            "warning",
            new WarningEvent("it's <odd> & \"quoted\" é"),
            """{"event":"warning","message":"it's <odd> & \"quoted\" é"}"""
        },
        {
            "finished",
            new FinishedEvent(12, 2.4, 2.5, 1234.5, 0.75, 1.25, "/tmp/c/step-00000012.ckpt", 49152, 0.0001, 13.5),
            """{"event":"finished","step":12,"loss":2.4,"val_loss":2.5,"tokens_per_s":1234.5,"model_gflops_per_s":0.75,"expert_load_max_over_mean":1.25,"checkpoint":"/tmp/c/step-00000012.ckpt","tokens":49152,"lr":0.0001,"elapsed_s":13.5}"""
        },
        {
            "stopped",
            new StoppedEvent(7, 3.1, "/tmp/c/step-00000007.ckpt", 28672, 8.25),
            """{"event":"stopped","step":7,"loss":3.1,"checkpoint":"/tmp/c/step-00000007.ckpt","tokens":28672,"elapsed_s":8.25}"""
        },
        {
            "error",
            new ErrorEvent("config: model.top_k (12) is larger than the number of routed experts (8)"),
            """{"event":"error","message":"config: model.top_k (12) is larger than the number of routed experts (8)"}"""
        },
    };

    [Theory]
    [MemberData(nameof(Lines))]
    public void Each_kind_of_line_is_written_as_programs_read_it_and_read_back_as_the_same_record(string kind, TrainingEvent written, string line)
    {
        Assert.True(line == TrainingProtocol.Write(written), kind);

        var read = TrainingProtocol.Read(line);

        Assert.IsType(written.GetType(), read);
        Assert.Equal(line, TrainingProtocol.Write(read!));
    }

    [Fact]
    public void The_started_line_names_the_protocol_version_and_a_line_without_one_is_version_1()
    {
        var started = new StartedEvent(0, 2, false, null, 1, 1, 256, "byte", 10, 10, "cpu", 1, "grouped", 1, Config);
        Assert.Equal(TrainingProtocol.Version, Assert.IsType<StartedEvent>(TrainingProtocol.Read(started.ToJson())).Protocol);

        var unversioned = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(started.ToJson())!;
        unversioned.Remove("protocol");
        var old = Assert.IsType<StartedEvent>(TrainingProtocol.Read(JsonSerializer.Serialize(unversioned)));

        Assert.Equal(1, old.Protocol);
        Assert.True(TrainingProtocol.Reads(old.Protocol));
        Assert.False(TrainingProtocol.Reads(TrainingProtocol.Version + 1));
        Assert.False(TrainingProtocol.Reads(0));
    }

    [Fact]
    public void The_started_line_lists_the_runs_devices_and_progress_lines_each_devices_figures()
    {
        var started = new StartedEvent(0, 2, false, null, 1, 1, 256, "byte", 10, 10, "cuda:0", 8, "grouped", 1, Config, ["cuda:2", "cuda:3"]);
        var progress = new ProgressEvent(3, 9, 2.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            PerDevice: [new DeviceFigures("cuda:2", 1200, 4L << 30, 0.9), new DeviceFigures("cpu:1", 300)]);

        var startedLine = JsonNode.Parse(started.ToJson())!;
        var progressLine = JsonNode.Parse(progress.ToJson())!;

        Assert.Equal(["cuda:2", "cuda:3"], startedLine["devices"]!.AsArray().Select(d => (string)d!));
        Assert.Equal("""[{"id":"cuda:2","tokens_per_s":1200,"memory_bytes":4294967296,"utilization":0.9},{"id":"cpu:1","tokens_per_s":300}]""",
            progressLine["per_device"]!.ToJsonString());
        Assert.Equal(["cuda:2", "cuda:3"], Assert.IsType<StartedEvent>(TrainingProtocol.Read(started.ToJson())).Devices);
        Assert.Equal(progress.PerDevice, Assert.IsType<ProgressEvent>(TrainingProtocol.Read(progress.ToJson())).PerDevice);
        // Lines of an engine from before: no devices.
        var older = new StartedEvent(0, 2, false, null, 1, 1, 256, "byte", 10, 10, "cpu", 1, "grouped", 1, Config);
        Assert.Null(JsonNode.Parse(older.ToJson())!["devices"]);
        Assert.Null(Assert.IsType<StartedEvent>(TrainingProtocol.Read(older.ToJson())).Devices);
    }

    [Fact]
    public void A_reader_skips_what_a_newer_writer_adds_and_what_is_no_event()
    {
        // A field added later (a run's devices), and the kind not first.
        var progress = TrainingProtocol.Read("""{"step":3,"devices":["cuda:0","cuda:1"],"event":"progress","total_steps":9,"loss":2.5}""");
        Assert.Equal(new ProgressEvent(3, 9, 2.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), progress);

        // A kind of line added later, and JSON that is no event at all.
        Assert.Null(TrainingProtocol.Read("""{"event":"memory","step":3,"bytes":12}"""));
        Assert.Null(TrainingProtocol.Read("""{"step":3}"""));
        Assert.Null(TrainingProtocol.Read("""{"event":3}"""));
        Assert.Null(TrainingProtocol.Read("[1,2]"));

        // Text that is not JSON (a library's message on standard output) is for the caller to keep as such.
        Assert.ThrowsAny<JsonException>(() => TrainingProtocol.Read("Loading libtorch..."));
        Assert.ThrowsAny<JsonException>(() => TrainingProtocol.Read("""{"event":"progress","step":"three"}"""));
    }
}
