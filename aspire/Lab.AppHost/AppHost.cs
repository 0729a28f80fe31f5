using Lab.Contracts;

var builder = DistributedApplication.CreateBuilder(args);

// The operator's bootstrap secret: the first member's token, also the workers' node token.
var bootstrapToken = builder.AddParameter("bootstrap-token", secret: true);

var database = builder.AddPostgres("postgres")
    .WithDataVolume()
    .AddDatabase(LabServices.Database);

// One API replica: the silo clusters with itself until PostgreSQL-backed clustering lands.
var api = builder.AddProject<Projects.Lab_Api>(LabServices.Api)
    .WithReference(database)
    .WaitFor(database)
    .WithEnvironment("Lab__Bootstrap__Token", bootstrapToken);

var worker = builder.AddProject<Projects.Lab_Worker>(LabServices.Worker)
    .WithReference(api)
    .WaitFor(api)
    .WithEnvironment("Worker__Token", bootstrapToken);

// The portal keeps its cookie keys in the database, so its restarts log nobody out.
var portal = builder.AddProject<Projects.Lab_Portal>(LabServices.Portal)
    .WithReference(database)
    .WithReference(api)
    .WaitFor(api);

builder.AddProject<Projects.Lab_Gateway>(LabServices.Gateway)
    .WithReference(api)
    .WithReference(portal)
    .WithReference(worker)
    .WithExternalHttpEndpoints();

builder.Build().Run();
