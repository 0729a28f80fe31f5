using Lab.Portal;

var builder = WebApplication.CreateBuilder(args);
await using var app = PortalService.Build(builder);
await app.RunAsync();
