using Lab.Gateway;

var builder = WebApplication.CreateBuilder(args);
await using var app = GatewayService.Build(builder);
await app.RunAsync();
