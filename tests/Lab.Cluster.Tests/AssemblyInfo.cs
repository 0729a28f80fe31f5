// Every test here runs real processes (services, lab up, a browser): the slow ones (see Lab.Testing.TestSpeed).
[assembly: AssemblyTrait(Lab.Testing.TestSpeed.Trait, Lab.Testing.TestSpeed.Slow)]
