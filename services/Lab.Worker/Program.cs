using Lab.Training.CommandLine;
using Lab.Worker;

// "Lab.Worker train ..." is the training engine: the process this worker starts for each run placed on its node.
if (TrainCommand.IsInvocation(args))
{
    return await TrainCommand.InvokeAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
await using var app = WorkerService.Build(builder);
await app.RunAsync();
return 0;
