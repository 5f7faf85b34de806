// Run by maven-invoker-plugin (examples-check) after the example's build.

// The example answered its one request.
def log = new File(basedir, 'build.log').text
assert log =~ /listening on port \d+/ : 'the example did not report its port'
assert log.contains('running in module dev.ranch.examples.standalone') : 'the example did not run on the module path'
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

// Each library jar is a module that exports its API packages and nothing else. The API of each
// module is declared here, and only here: a package added to a module-info's exports, or a new
// package neither exported nor under .internal, fails the build until this list says so.
def api = [
    'ranch-core'      : ['dev.ranch.core', 'dev.ranch.core.client', 'dev.ranch.core.listener',
                         'dev.ranch.core.management', 'dev.ranch.core.proxy', 'dev.ranch.core.registry',
                         'dev.ranch.core.transport', 'dev.ranch.core.transport.tls'],
    'ranch-http'      : ['dev.ranch.http', 'dev.ranch.http.files', 'dev.ranch.http.router',
                         'dev.ranch.http.server', 'dev.ranch.http.websocket'],
    'ranch-redis'     : ['dev.ranch.redis'],
    'ranch-micrometer': ['dev.ranch.micrometer'],
]
def moduleNames = ['ranch-core': 'dev.ranch.core', 'ranch-http': 'dev.ranch.http',
                   'ranch-redis': 'dev.ranch.redis', 'ranch-micrometer': 'dev.ranch.micrometer']
def unlisted = named.findAll { !api.containsKey(it) }
assert unlisted.isEmpty() : "ranch-bom names ${unlisted}, for which no exported-package list is declared here"
api.each { name, expected ->
    def jar = new File(repository, "${name}/${ranchVersion}/${name}-${ranchVersion}.jar").toPath()
    def found = java.lang.module.ModuleFinder.of(jar).findAll()
    assert found.size() == 1 : "${name}: no module in ${jar}"
    def descriptor = found.iterator().next().descriptor()
    assert !descriptor.isAutomatic() : "${name} has no module-info.class"
    assert descriptor.name() == moduleNames[name] : "${name} is module ${descriptor.name()}, expected ${moduleNames[name]}"
    def qualified = descriptor.exports().findAll { it.isQualified() }.collect { it.toString() }
    assert qualified.isEmpty() : "${name} exports internals to named modules: ${qualified}"
    assert descriptor.opens().isEmpty() : "${name} opens ${descriptor.opens()}"
    def exported = descriptor.exports().collect { it.source() } as SortedSet
    assert exported == (expected as SortedSet) : "${name} exports ${exported}, its API is ${expected as SortedSet}"
    def hidden = descriptor.packages() - exported
    def stray = hidden.findAll { !it.contains('.internal') }
    assert stray.isEmpty() : "${name} has packages neither exported nor internal: ${stray}"
    println "${descriptor.name()} exports ${exported}; ${hidden.size()} internal packages"
}

// The chat example, the README's snippets and the guide's examples are users of the library,
// compiled on the class path where no module boundary is enforced: they name API packages only.
def users = ['ranch-chat-example/src/main/java', 'ranch-http/src/test/java/dev/ranch/readme', 'guide-examples/src']
        .findAll { new File(rootDirectory, it).isDirectory() }
def internalUses = users.collectMany { dir ->
    def found = []
    new File(rootDirectory, dir).eachFileRecurse(groovy.io.FileType.FILES) { file ->
        if (file.name.endsWith('.java') && file.text =~ /dev\.ranch\.[a-z]+\.internal\b/) {
            found << "${dir}/${file.name}"
        }
    }
    found
}
assert internalUses.isEmpty() : "users of the library name internal packages: ${internalUses}"
return true
