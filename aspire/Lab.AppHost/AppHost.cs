using Lab.AppHost;
using Lab.Contracts;

var builder = DistributedApplication.CreateBuilder(args);
var settings = AppHostSettings.From(builder.Configuration);
const string health = "/health";

// The first member's token, also the workers' node token.
var bootstrapToken = builder.AddBootstrapToken(settings.DataDir);

// PostgreSQL and the lab database: a container, this machine's server programs, or an external database (Lab:Postgres).
var database = await builder.AddLabDatabaseAsync(settings);

// API/silo replicas: they cluster through the lab database and keep the cluster's certificate under LAB_DATA_DIR.
var api = builder.AddProject<Projects.Lab_Api>(LabServices.Api)
    .WithReplicas(2)
    .WithHttpEndpoint()
    .WithHttpHealthCheck(health)
    .WithReference(database)
    .WaitFor(database)
    .WithEnvironment("LAB_DATA_DIR", settings.DataDir)
    .WithEnvironment("Lab__Bootstrap__Token", bootstrapToken);

// One worker offers this machine's devices and trains each run placed on it with its own program (Lab.Worker train).
var worker = builder.AddProject<Projects.Lab_Worker>(LabServices.Worker)
    .WithHttpEndpoint()
    .WithHttpHealthCheck(health)
    .WithReference(api)
    .WaitFor(api)
    .WithEnvironment("Worker__Token", bootstrapToken)
    .WithEnvironment("Worker__CheckpointRoot", Path.Combine(settings.DataDir, "checkpoints"));

// The portal keeps its cookie keys in the database, so its restarts log nobody out.
var portal = builder.AddProject<Projects.Lab_Portal>(LabServices.Portal)
    .WithHttpEndpoint()
    .WithHttpHealthCheck(health)
    .WithReference(database)
    .WithReference(api)
    .WaitFor(api);

// The one front door: portal, API and everyone's health on Lab:GatewayPort (8080).
builder.AddProject<Projects.Lab_Gateway>(LabServices.Gateway)
    .WithHttpEndpoint(port: settings.GatewayPort)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck(health)
    .WithReference(api)
    .WithReference(portal)
    .WithReference(worker)
    .WaitFor(api)
    .WaitFor(portal);

await builder.Build().RunAsync();
