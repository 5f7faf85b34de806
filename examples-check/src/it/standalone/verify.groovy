// Run by maven-invoker-plugin (examples-check) after the example's build.

// The example answered its one request.
def log = new File(basedir, 'build.log').text
assert log =~ /listening on port \d+/ : 'the example did not report its port'
assert log.contains('GET /hello/standalone -> 200 hello standalone') : 'the example did not print the expected answer'

// Every artifact ranch-bom names was installed to the example's repository, and its module
// built the -sources and -javadoc jars Maven Central requires beside it.
def repository = new File(localRepositoryPath, 'dev/ranch')
def bom = new File(repository, "ranch-bom/${ranchVersion}/ranch-bom-${ranchVersion}.pom").text
def named = (bom =~ /<artifactId>([^<]+)<\/artifactId>/).collect { it[1] } - 'ranch-bom'
assert !named.isEmpty() : 'ranch-bom names no artifact'
named.each { name ->
    assert new File(repository, "${name}/${ranchVersion}/${name}-${ranchVersion}.jar").isFile() : "${name} is in ranch-bom but was not installed"
    ['sources', 'javadoc'].each { kind ->
        def jar = new File(rootDirectory, "${name}/target/${name}-${ranchVersion}-${kind}.jar")
        assert jar.isFile() : "${name} is in ranch-bom but its module built no ${jar.name}"
    }
}
println "ranch-bom names ${named}; each installed, with its sources and javadoc jars"
return true
