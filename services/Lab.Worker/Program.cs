using Lab.Worker;

var builder = WebApplication.CreateBuilder(args);
await using var app = WorkerService.Build(builder);
await app.RunAsync();
