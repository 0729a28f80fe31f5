using Lab.Api;

var builder = WebApplication.CreateBuilder(args);
await using var app = ApiService.Build(builder);
await app.RunAsync();
