// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {IHolderRegistry} from "../interfaces/IHolderRegistry.sol";
import {RuleCodes} from "../interfaces/RuleCodes.sol";
import {LegalOrderGovernance, TermsBound} from "../legal/TermsBound.sol";

/**
 * @title DealEscrow
 * @notice Escrow for many deals between identified parties, run by one HTP-resident operator. A deal has
 * two parties and one or two legs. Leg A is funded by party A (the opener) and released to party B; leg B,
 * if any, is funded by party B and released to party A. A one-sided deal (leg A only) is a deposit; a
 * two-sided deal swaps both legs atomically on completion (delivery versus payment). Each leg is ETH
 * (`address(0)`) or an ERC-20, including a decree8 compliant token. Released and refunded funds are
 * credited to internal balances and pulled with {withdraw}.
 *
 * Enforces:
 * - TERMS-BOUND / TERMS-ACCEPTED: the escrow's own terms (hash, URI, version) must be accepted before a
 *   party opens or accepts a deal, and each party accepts the deal's own terms hash before funding.
 * - HOLDER-IDENTIFIED / HOLDER-ELIGIBLE / ILLICIT-ADDRESS: checked against the registry for the caller on
 *   open, accept and fund, and for every recipient of a release (complete, resolve). Every other
 *   state-changing call of the escrow screens its caller against the illicit-address register (role
 *   administration and `acceptTerms` excepted). Withdrawals by a blocked account are held (the credit stays,
 *   nothing is sent) until it is unblocked or a legal order directs it.
 * - Party B is paid (by completion or by a resolution's share) only if it accepted the deal and the escrow's
 *   terms and is identified, eligible and not blocked; else a one-sided deal refunds after its deadline.
 *   Only a party that accepted the deal may dispute it.
 * - NOT-PAYMENT: deals for payment for goods, works or services (purpose 5) are refused.
 * - FUNDS-RETURN: once its deadline has passed, any unfinished deal that is not frozen can be refunded by
 *   anyone, even while paused and even while disputed, so funds are never stranded by an idle operator.
 *   A frozen deal is refunded the same way once its order is lifted ({unfreezeDeal}) or once no account can
 *   lift it any more (nobody holds `LEGAL_ORDER_ROLE` or `LEGAL_ORDER_AUTHORITY_ROLE`). Deadlines are at most
 *   {maxDealDuration} ahead (3 years by default). A party whose address refuses ETH names a payee
 *   ({withdrawTo}); ERC-20 or ETH sent to the escrow outside a deal can be swept by the operator, never more
 *   than the surplus above what the escrow owes ({sweep}).
 * - LEGAL-ORDER: a legal-order role freezes and unfreezes deals and directs funds (of a deal, or an
 *   account's credit) to a recipient such as an enforcement body's wallet, always with an order reference.
 *   The funds of a frozen deal move only by legal order. The role is appointed by its own authority, never by
 *   the admin, and no account holds both ({LegalOrderGovernance}). A decree8 token registers the escrow
 *   (`registerEscrow`) so that its own legal orders cannot freeze or take the escrow's holdings: orders on
 *   escrowed tokens are executed here, against the deal or the party's credit, and the escrow's holdings of
 *   each asset always cover what it owes ({lockedIn} + {totalCredits}).
 * - OVERSIGHT-PAUSE: an oversight role pauses new deals, acceptances, funding and releases; refunds after
 *   the deadline, disputes, legal orders and withdrawals keep working.
 * - RECORDS: every state change emits an event; the deal book and all balances can be rebuilt from them.
 *
 * Does not enforce: anything about what is delivered off chain, or the content of the terms documents
 * (only their hashes). Tokens that take a fee on transfer or do not move what they report are refused at
 * funding; tokens that change balances on their own (rebasing) are not supported. Every deal ends in
 * exactly one final state: Completed, Refunded or Resolved.
 *
 * Extension points for projects: {_beforeDealOpened}, {_beforeDealFunded} and {_beforeDealReleased} are
 * called (empty by default) before a deal is announced, before a leg's funds move in, and before a deal's
 * funds are credited to its parties by completion or resolution; revert in them to refuse. Refunds and legal
 * orders never call them, so a project cannot strand funds or stop an order.
 */
contract DealEscrow is TermsBound, LegalOrderGovernance, Pausable, ReentrancyGuard {
    using SafeERC20 for IERC20;

    // ───────────────────────────── roles, purposes, types ─────────────────────────────

    /// @notice Resolves disputes, may complete deals, accepts token terms on behalf of the escrow.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    /// @notice Pauses and unpauses deal-making (OVERSIGHT-PAUSE).
    bytes32 public constant OVERSIGHT_ROLE = keccak256("OVERSIGHT_ROLE");
    /// @notice Publishes new versions of the escrow's terms (TERMS-BOUND).
    bytes32 public constant TERMS_ADMIN_ROLE = keccak256("TERMS_ADMIN_ROLE");

    uint8 public constant PURPOSE_TOKEN_SALE_OR_EXCHANGE = 1;
    uint8 public constant PURPOSE_INVESTMENT = 2;
    uint8 public constant PURPOSE_LOAN = 3;
    uint8 public constant PURPOSE_OTHER = 4;
    /// @notice Refused: tokens are not a means of payment for goods, works or services (NOT-PAYMENT).
    uint8 public constant PURPOSE_PAYMENT_FOR_GOODS_WORKS_SERVICES = 5;

    /// @notice Leg A (funded by party A, released to party B) and leg B (funded by B, released to A).
    uint8 public constant LEG_A = 0;
    uint8 public constant LEG_B = 1;

    /// @notice The furthest a deal's deadline may lie ahead unless a derived contract overrides
    /// {maxDealDuration}: three years.
    uint64 public constant DEFAULT_MAX_DEAL_DURATION = 3 * 365 days;

    uint16 private constant _BPS = 10_000;

    /// @notice Life cycle of a deal. `None` marks an unknown id. Completed, Refunded and Resolved are final.
    enum DealState {
        None,
        Open,
        Funded,
        Completed,
        Refunded,
        Disputed,
        Resolved
    }

    /// @notice One deal. `amountB == 0` (and `assetB == address(0)`) means one-sided.
    struct Deal {
        address partyA;
        uint64 deadline;
        uint8 purpose;
        DealState state;
        bool frozen;
        address partyB;
        bool acceptedA;
        bool acceptedB;
        bool fundedA;
        bool fundedB;
        address assetA;
        address assetB;
        uint256 amountA;
        uint256 amountB;
        bytes32 termsHash;
    }

    // ───────────────────────────── state ─────────────────────────────

    bytes32 private immutable _operatorRegistration;
    IHolderRegistry private immutable _registry;

    uint256 private _dealCount;
    mapping(uint256 dealId => Deal) private _deals;
    mapping(address asset => mapping(address account => uint256)) private _credits;
    mapping(address asset => uint256) private _totalCredits;
    mapping(address asset => uint256) private _locked;

    // ───────────────────────────── events ─────────────────────────────

    /// @notice A deal was opened by `partyA` with `partyB` as counterparty.
    event DealOpened(
        uint256 indexed dealId,
        address indexed partyA,
        address indexed partyB,
        address assetA,
        uint256 amountA,
        address assetB,
        uint256 amountB,
        uint64 deadline,
        uint8 purpose,
        bytes32 dealTermsHash
    );
    /// @notice `party` accepted the deal's terms `termsHash` (party A on opening).
    event DealAccepted(uint256 indexed dealId, address indexed party, bytes32 termsHash);
    /// @notice `depositor` funded leg `leg` (0 = A, 1 = B) with `amount` of `asset` (`address(0)` = ETH).
    event LegFunded(uint256 indexed dealId, uint8 leg, address indexed depositor, address asset, uint256 amount);
    /// @notice All legs were released to their counterparties; `by` triggered it.
    event DealCompleted(uint256 indexed dealId, address indexed by);
    /// @notice Every funded leg was credited back to its depositor; `by` triggered it (FUNDS-RETURN).
    event DealRefunded(uint256 indexed dealId, address indexed by);
    /// @notice A party disputed the deal, stopping completion until resolution or refund.
    event DealDisputed(uint256 indexed dealId, address indexed by, bytes32 reason);
    /// @notice The operator split every funded leg: `toPartyABps` of each to party A, the rest to party B.
    event DealResolved(uint256 indexed dealId, uint16 toPartyABps, bytes32 resolutionRef);
    /// @notice The deal was frozen under legal order `orderRef` (LEGAL-ORDER).
    event DealFrozen(uint256 indexed dealId, bytes32 orderRef);
    /// @notice The deal was unfrozen under legal order `orderRef` (LEGAL-ORDER).
    event DealUnfrozen(uint256 indexed dealId, bytes32 orderRef);
    /// @notice Every funded leg of the deal was credited to `recipient` under legal order `orderRef`.
    event FundsDirected(uint256 indexed dealId, address indexed recipient, bytes32 orderRef);
    /// @notice `amount` of `account`'s credited `asset` was moved to `recipient` under legal order `orderRef`.
    event CreditDirected(
        address indexed account, address indexed asset, uint256 amount, address indexed recipient, bytes32 orderRef
    );
    /// @notice `amount` of `asset` from deal `dealId` was credited to `account` (withdrawable).
    event Credited(address indexed account, address indexed asset, uint256 amount, uint256 indexed dealId);
    /// @notice `account` withdrew `amount` of its credited `asset`.
    event Withdrawn(address indexed account, address indexed asset, uint256 amount);
    /// @notice The withdrawal of `amount` of `asset` by `account` was paid to `payee`, which `account` named.
    event PaidToPayee(address indexed account, address indexed asset, address indexed payee, uint256 amount);
    /// @notice `amount` of `asset` held above what the escrow owes was swept to `to` by `by`, citing `ref`.
    event SurplusSwept(address indexed asset, address indexed to, uint256 amount, bytes32 ref, address indexed by);

    // ───────────────────────────── errors ─────────────────────────────

    /// @notice A rule (`code`, see {RuleCodes}) stops `party` from this action on deal `dealId`.
    error DealRestricted(uint8 code, uint256 dealId, address party);
    /// @notice A rule (`code`) stops `account` from withdrawing; its credit is held.
    error WithdrawalRestricted(uint8 code, address account);
    /// @notice A rule (`code`, e.g. ILLICIT_ADDRESS) stops `caller` from this call.
    error CallerRestricted(uint8 code, address caller);
    /// @notice The deadline lies more than {maxDealDuration} ahead (at most `latest`).
    error DeadlineTooFar(uint64 deadline, uint256 latest);
    /// @notice The escrow holds no more of `asset` than it owes (`held`, `owed`).
    error NoSurplus(address asset, uint256 held, uint256 owed);
    /// @notice The operator registration reference is zero.
    error OperatorRegistrationEmpty();
    /// @notice The registry address has no code.
    error RegistryNotContract(address registry);
    /// @notice The purpose code is not one of the known purposes.
    error UnknownPurpose(uint8 purpose);
    /// @notice No deal has this id.
    error UnknownDeal(uint256 dealId);
    /// @notice The counterparty is zero or the opener itself.
    error InvalidCounterparty(address counterparty);
    /// @notice A leg's asset and amount do not make a valid leg.
    error InvalidLeg(uint8 leg, address asset, uint256 amount);
    /// @notice The ERC-20 asset has no code.
    error AssetNotContract(address asset);
    /// @notice The deadline is not after the current block time.
    error DeadlineNotInFuture(uint64 deadline, uint256 nowTime);
    /// @notice A required terms hash or reference is zero.
    error ReferenceEmpty();
    /// @notice The accepted hash is not the deal's terms hash.
    error DealTermsMismatch(uint256 dealId, bytes32 expected, bytes32 given);
    /// @notice `party` has already accepted the deal.
    error AlreadyAccepted(uint256 dealId, address party);
    /// @notice `account` is not a party to the deal (or may not do this on it).
    error NotAParty(uint256 dealId, address account);
    /// @notice `account` has no leg to fund in this deal.
    error NoLegToFund(uint256 dealId, address account);
    /// @notice The leg is already funded.
    error LegAlreadyFunded(uint256 dealId, uint8 leg);
    /// @notice ETH sent does not match what the leg needs (zero for an ERC-20 leg).
    error WrongEthAmount(uint256 expected, uint256 sent);
    /// @notice The token did not deliver the amount it was asked to move; the asset is refused.
    error AssetRefused(address asset, uint256 expected, uint256 received);
    /// @notice The deal is not in a state that allows this action.
    error InvalidDealState(uint256 dealId, DealState state);
    /// @notice The deal's deadline has passed.
    error DeadlinePassed(uint256 dealId, uint64 deadline);
    /// @notice The deal's deadline has not passed yet.
    error DeadlineNotReached(uint256 dealId, uint64 deadline);
    /// @notice A dispute needs at least one funded leg.
    error NothingFunded(uint256 dealId);
    /// @notice Basis points above 10000.
    error InvalidBps(uint16 bps);
    /// @notice The deal is already frozen.
    error AlreadyFrozen(uint256 dealId);
    /// @notice The deal is not frozen.
    error NotFrozen(uint256 dealId);
    /// @notice The recipient is the zero address.
    error InvalidRecipient(address recipient);
    /// @notice `account` has no credited `asset`.
    error NothingToWithdraw(address account, address asset);
    /// @notice Sending ETH to `account` failed.
    error EthTransferFailed(address account, uint256 amount);

    // ───────────────────────────── constructor ─────────────────────────────

    /**
     * @notice Deploys the escrow for one operator and one registry, with its terms as version 1.
     *
     * Requirements: non-zero `operatorRegistration_` and role holders (a zero admin reverts with
     * `AccessControlInvalidDefaultAdmin`); `legalOrderAuthority` is not `admin` (`RoleRestricted`, LEGAL_ORDER);
     * `registry_` has code; non-zero terms hash and non-empty URI. `legalOrderAuthority` receives
     * `LEGAL_ORDER_AUTHORITY_ROLE` and `LEGAL_ORDER_ROLE`.
     *
     * Emits a {TermsPublished} event and one {RoleGranted} per role.
     */
    constructor(
        bytes32 operatorRegistration_,
        address registry_,
        bytes32 termsHash_,
        string memory termsUri_,
        address admin,
        address operator,
        address legalOrderAuthority,
        address oversight
    ) TermsBound(termsHash_, termsUri_) LegalOrderGovernance(admin) {
        if (operatorRegistration_ == bytes32(0)) revert OperatorRegistrationEmpty();
        if (registry_.code.length == 0) revert RegistryNotContract(registry_);
        _operatorRegistration = operatorRegistration_;
        _registry = IHolderRegistry(registry_);
        _grantRole(TERMS_ADMIN_ROLE, admin);
        _grantNonZero(OPERATOR_ROLE, operator);
        _appointLegalOrderAuthority(legalOrderAuthority);
        _grantNonZero(OVERSIGHT_ROLE, oversight);
    }

    // ───────────────────────────── deal making ─────────────────────────────

    /**
     * @notice Opens a deal with `counterparty`. The caller is party A and accepts `dealTermsHash` by opening.
     * `amountB == 0` makes a one-sided deal (then `assetB` must be `address(0)`).
     *
     * Requirements: not paused; the caller accepted the escrow's current terms, is identified, eligible and
     * not blocked; `purpose` is 1..4 (5 is refused under NOT-PAYMENT); `counterparty` is neither zero nor the
     * caller; `amountA > 0`; ERC-20 assets have code; `deadline` is in the future and at most
     * {maxDealDuration} ahead; `dealTermsHash` non-zero; {_beforeDealOpened} does not revert.
     *
     * Emits {DealOpened} and {DealAccepted} events.
     */
    function openDeal(
        address counterparty,
        address assetA,
        uint256 amountA,
        address assetB,
        uint256 amountB,
        uint64 deadline,
        uint8 purpose,
        bytes32 dealTermsHash
    ) external returns (uint256 dealId) {
        dealId = _dealCount + 1;
        _requireNotPausedFor(dealId);
        if (purpose == PURPOSE_PAYMENT_FOR_GOODS_WORKS_SERVICES) {
            revert DealRestricted(RuleCodes.NOT_PAYMENT, dealId, msg.sender);
        }
        if (purpose == 0 || purpose > PURPOSE_PAYMENT_FOR_GOODS_WORKS_SERVICES) revert UnknownPurpose(purpose);
        _requireEscrowTermsAccepted(dealId, msg.sender);
        _requireAdmissible(dealId, msg.sender);
        if (counterparty == address(0) || counterparty == msg.sender) revert InvalidCounterparty(counterparty);
        _requireValidLeg(LEG_A, assetA, amountA);
        if (amountB == 0) {
            if (assetB != address(0)) revert InvalidLeg(LEG_B, assetB, amountB);
        } else {
            _requireValidLeg(LEG_B, assetB, amountB);
        }
        if (deadline <= block.timestamp) revert DeadlineNotInFuture(deadline, block.timestamp);
        uint256 latest = block.timestamp + maxDealDuration();
        if (deadline > latest) revert DeadlineTooFar(deadline, latest);
        if (dealTermsHash == bytes32(0)) revert ReferenceEmpty();

        _dealCount = dealId;
        Deal storage d = _deals[dealId];
        d.partyA = msg.sender;
        d.deadline = deadline;
        d.purpose = purpose;
        d.state = DealState.Open;
        d.partyB = counterparty;
        d.acceptedA = true;
        d.assetA = assetA;
        d.amountA = amountA;
        if (amountB != 0) {
            d.assetB = assetB;
            d.amountB = amountB;
        }
        d.termsHash = dealTermsHash;
        _beforeDealOpened(dealId);
        emit DealOpened(
            dealId, msg.sender, counterparty, assetA, amountA, assetB, amountB, deadline, purpose, dealTermsHash
        );
        emit DealAccepted(dealId, msg.sender, dealTermsHash);
    }

    /**
     * @notice Party B accepts the deal's terms by their hash (TERMS-ACCEPTED).
     *
     * Requirements: not paused; the deal is Open (or Funded: a one-sided deal funded before B accepted), not
     * frozen and before its deadline; the caller is party B,
     * has not accepted yet, accepted the escrow's current terms, is identified, eligible and not blocked;
     * `dealTermsHash` equals the deal's terms hash.
     *
     * Emits a {DealAccepted} event.
     */
    function acceptDeal(uint256 dealId, bytes32 dealTermsHash) external {
        Deal storage d = _deal(dealId);
        _requireNotPausedFor(dealId);
        // A one-sided deal may be funded before its beneficiary accepts: it is Funded then.
        if (d.state != DealState.Open && d.state != DealState.Funded) revert InvalidDealState(dealId, d.state);
        _requireNotFrozen(dealId, d);
        _requireBeforeDeadline(dealId, d);
        if (msg.sender == d.partyA) revert AlreadyAccepted(dealId, msg.sender);
        if (msg.sender != d.partyB) revert NotAParty(dealId, msg.sender);
        if (d.acceptedB) revert AlreadyAccepted(dealId, msg.sender);
        if (dealTermsHash != d.termsHash) revert DealTermsMismatch(dealId, d.termsHash, dealTermsHash);
        _requireEscrowTermsAccepted(dealId, msg.sender);
        _requireAdmissible(dealId, msg.sender);
        d.acceptedB = true;
        emit DealAccepted(dealId, msg.sender, dealTermsHash);
    }

    /**
     * @notice Funds the caller's leg: party A funds leg A, party B funds leg B. ETH legs take exactly the
     * leg amount as `msg.value`; ERC-20 legs are pulled with `transferFrom` (approve the escrow first) and
     * must arrive in full, or the asset is refused. When every leg is funded the deal becomes Funded.
     *
     * Requirements: not paused; the deal is Open, not frozen and before its deadline; the caller has a leg,
     * accepted the deal, is identified, eligible and not blocked; the leg is not funded yet;
     * {_beforeDealFunded} does not revert.
     *
     * Emits a {LegFunded} event.
     */
    function fund(uint256 dealId) external payable nonReentrant {
        Deal storage d = _deal(dealId);
        _requireNotPausedFor(dealId);
        _requireState(dealId, d, DealState.Open);
        _requireNotFrozen(dealId, d);
        _requireBeforeDeadline(dealId, d);
        uint8 leg = LEG_A;
        if (msg.sender == d.partyA) {
            leg = LEG_A;
            if (d.fundedA) revert LegAlreadyFunded(dealId, LEG_A);
        } else if (msg.sender == d.partyB) {
            if (d.amountB == 0) revert NoLegToFund(dealId, msg.sender);
            leg = LEG_B;
            if (d.fundedB) revert LegAlreadyFunded(dealId, LEG_B);
            if (!d.acceptedB) revert DealRestricted(RuleCodes.TERMS_ACCEPTED, dealId, msg.sender);
        } else {
            revert NotAParty(dealId, msg.sender);
        }
        _requireAdmissible(dealId, msg.sender);
        (address asset, uint256 amount) = leg == LEG_A ? (d.assetA, d.amountA) : (d.assetB, d.amountB);
        uint256 expectedValue = asset == address(0) ? amount : 0;
        if (msg.value != expectedValue) revert WrongEthAmount(expectedValue, msg.value);
        _beforeDealFunded(dealId, msg.sender);

        // Effects first: a token calling back sees the leg funded (and the guard stops re-entry anyway).
        if (leg == LEG_A) d.fundedA = true;
        else d.fundedB = true;
        if (d.fundedA && (d.amountB == 0 || d.fundedB)) d.state = DealState.Funded;
        _locked[asset] += amount;
        emit LegFunded(dealId, leg, msg.sender, asset, amount);

        if (asset != address(0)) {
            IERC20 token = IERC20(asset);
            uint256 before = token.balanceOf(address(this));
            token.safeTransferFrom(msg.sender, address(this), amount);
            uint256 received = token.balanceOf(address(this)) - before;
            if (received != amount) revert AssetRefused(asset, amount, received);
        }
    }

    /**
     * @notice Completes a fully funded deal: leg A is credited to party B and leg B (if any) to party A.
     * A two-sided deal may be completed by either party; a one-sided deposit only by its depositor (party A),
     * since party B is its beneficiary. The operator may complete any funded deal.
     *
     * Requirements: not paused; the deal is Funded, not frozen and before its deadline; the caller is
     * allowed as above and not blocked (ILLICIT-ADDRESS); party B accepted the deal (TERMS-ACCEPTED: a
     * one-sided deal whose beneficiary never accepted is refunded after its deadline instead); every recipient
     * is identified, eligible and not blocked; {_beforeDealReleased} does not revert.
     *
     * Emits a {DealCompleted} event and a {Credited} event per leg.
     */
    function complete(uint256 dealId) external nonReentrant {
        Deal storage d = _deal(dealId);
        _requireNotPausedFor(dealId);
        _requireState(dealId, d, DealState.Funded);
        _requireNotFrozen(dealId, d);
        _requireBeforeDeadline(dealId, d);
        bool twoSided = d.amountB != 0;
        bool allowed = msg.sender == d.partyA || (twoSided && msg.sender == d.partyB)
            || hasRole(OPERATOR_ROLE, msg.sender);
        if (!allowed) revert NotAParty(dealId, msg.sender);
        _requireCallerNotBlocked(dealId);
        if (!d.acceptedB) revert DealRestricted(RuleCodes.TERMS_ACCEPTED, dealId, d.partyB);
        _requireAdmissible(dealId, d.partyB);
        if (twoSided) _requireAdmissible(dealId, d.partyA);
        _beforeDealReleased(dealId);

        d.state = DealState.Completed;
        emit DealCompleted(dealId, msg.sender);
        _release(dealId, d.partyB, d.assetA, d.amountA);
        if (twoSided) _release(dealId, d.partyA, d.assetB, d.amountB);
    }

    /**
     * @notice Returns every funded leg of an unfinished deal to its depositor once the deadline has passed
     * (FUNDS-RETURN). Anyone may call it, also while paused and while the deal is disputed. A deal that was
     * never funded is closed the same way. Refunds to a blocked depositor are credited but held by
     * {withdraw} until the block is lifted or a legal order directs them.
     *
     * Requirements: the deal is Open, Funded or Disputed and its deadline has passed; it is not frozen, or no
     * account can lift the freeze any more ({canExecuteLegalOrders} is false); the caller is not blocked.
     *
     * Emits a {DealRefunded} event and a {Credited} event per funded leg.
     */
    function refund(uint256 dealId) external nonReentrant {
        Deal storage d = _deal(dealId);
        _requireUnfinished(dealId, d);
        if (d.frozen && canExecuteLegalOrders()) revert DealRestricted(RuleCodes.LEGAL_ORDER, dealId, msg.sender);
        _requireCallerNotBlocked(dealId);
        if (block.timestamp < d.deadline) revert DeadlineNotReached(dealId, d.deadline);
        d.state = DealState.Refunded;
        emit DealRefunded(dealId, msg.sender);
        if (d.fundedA) _release(dealId, d.partyA, d.assetA, d.amountA);
        if (d.fundedB) _release(dealId, d.partyB, d.assetB, d.amountB);
    }

    /**
     * @notice A party disputes the deal, which stops completion until the operator resolves it or the
     * deadline passes and it is refunded.
     *
     * Requirements: the deal is Open or Funded with at least one funded leg, not frozen, before its
     * deadline; the caller is a party that accepted the deal (party B only after {acceptDeal}; else
     * `NotAParty`) and is not blocked; `reason` non-zero.
     *
     * Emits a {DealDisputed} event.
     */
    function dispute(uint256 dealId, bytes32 reason) external {
        Deal storage d = _deal(dealId);
        if (d.state != DealState.Open && d.state != DealState.Funded) revert InvalidDealState(dealId, d.state);
        _requireNotFrozen(dealId, d);
        _requireBeforeDeadline(dealId, d);
        bool accepted = msg.sender == d.partyA || (msg.sender == d.partyB && d.acceptedB);
        if (!accepted) revert NotAParty(dealId, msg.sender);
        _requireCallerNotBlocked(dealId);
        if (!d.fundedA && !d.fundedB) revert NothingFunded(dealId);
        if (reason == bytes32(0)) revert ReferenceEmpty();
        d.state = DealState.Disputed;
        emit DealDisputed(dealId, msg.sender, reason);
    }

    /**
     * @notice The operator resolves a dispute: of every funded leg, `toPartyABps` / 10000 is credited to
     * party A and the rest to party B (rounding favours party B by at most one unit). A disputed deal
     * past its deadline can still be resolved until someone refunds it (FUNDS-RETURN keeps both open).
     *
     * Requirements: OPERATOR_ROLE; not paused; the deal is Disputed and not frozen; `toPartyABps <= 10000`;
     * `resolutionRef` non-zero; the caller is not blocked; every party receiving a non-zero share is
     * identified, eligible and not blocked, and party B receives a share only if it accepted the deal
     * (TERMS-ACCEPTED); {_beforeDealReleased} does not revert.
     *
     * Emits a {DealResolved} event and a {Credited} event per non-zero share.
     */
    function resolve(uint256 dealId, uint16 toPartyABps, bytes32 resolutionRef)
        external
        nonReentrant
        onlyRole(OPERATOR_ROLE)
    {
        Deal storage d = _deal(dealId);
        _requireNotPausedFor(dealId);
        _requireState(dealId, d, DealState.Disputed);
        _requireNotFrozen(dealId, d);
        if (toPartyABps > _BPS) revert InvalidBps(toPartyABps);
        if (resolutionRef == bytes32(0)) revert ReferenceEmpty();
        _requireCallerNotBlocked(dealId);
        if (toPartyABps != 0) _requireAdmissible(dealId, d.partyA);
        if (toPartyABps != _BPS) {
            if (!d.acceptedB) revert DealRestricted(RuleCodes.TERMS_ACCEPTED, dealId, d.partyB);
            _requireAdmissible(dealId, d.partyB);
        }
        _beforeDealReleased(dealId);

        d.state = DealState.Resolved;
        emit DealResolved(dealId, toPartyABps, resolutionRef);
        if (d.fundedA) _split(dealId, d, d.assetA, d.amountA, toPartyABps);
        if (d.fundedB) _split(dealId, d, d.assetB, d.amountB, toPartyABps);
    }

    // ───────────────────────────── legal orders ─────────────────────────────

    /**
     * @notice Freezes an unfinished deal under a legal order: nothing moves its funds except another order.
     *
     * Requirements: LEGAL_ORDER_ROLE; `orderRef` non-zero; the deal is unfinished and not frozen.
     *
     * Emits a {DealFrozen} event.
     */
    function freezeDeal(uint256 dealId, bytes32 orderRef) external onlyRole(LEGAL_ORDER_ROLE) {
        if (orderRef == bytes32(0)) revert ReferenceEmpty();
        _requireCallerNotBlocked(dealId);
        Deal storage d = _deal(dealId);
        _requireUnfinished(dealId, d);
        if (d.frozen) revert AlreadyFrozen(dealId);
        d.frozen = true;
        emit DealFrozen(dealId, orderRef);
    }

    /**
     * @notice Lifts a freeze under a legal order.
     *
     * Requirements: LEGAL_ORDER_ROLE; `orderRef` non-zero; the deal is unfinished and frozen.
     *
     * Emits a {DealUnfrozen} event.
     */
    function unfreezeDeal(uint256 dealId, bytes32 orderRef) external onlyRole(LEGAL_ORDER_ROLE) {
        if (orderRef == bytes32(0)) revert ReferenceEmpty();
        _requireCallerNotBlocked(dealId);
        Deal storage d = _deal(dealId);
        _requireUnfinished(dealId, d);
        if (!d.frozen) revert NotFrozen(dealId);
        d.frozen = false;
        emit DealUnfrozen(dealId, orderRef);
    }

    /**
     * @notice Credits every funded leg of an unfinished deal (frozen or not) to `recipient`, e.g. an
     * enforcement body's wallet, under a legal order. The deal ends Resolved. Works while paused.
     *
     * Requirements: LEGAL_ORDER_ROLE; `orderRef` non-zero; `recipient` non-zero; the deal is unfinished.
     *
     * Emits a {FundsDirected} event and a {Credited} event per funded leg.
     */
    function directFunds(uint256 dealId, address recipient, bytes32 orderRef)
        external
        nonReentrant
        onlyRole(LEGAL_ORDER_ROLE)
    {
        if (orderRef == bytes32(0)) revert ReferenceEmpty();
        if (recipient == address(0)) revert InvalidRecipient(recipient);
        _requireCallerNotBlocked(dealId);
        Deal storage d = _deal(dealId);
        _requireUnfinished(dealId, d);
        d.state = DealState.Resolved;
        emit FundsDirected(dealId, recipient, orderRef);
        if (d.fundedA) _release(dealId, recipient, d.assetA, d.amountA);
        if (d.fundedB) _release(dealId, recipient, d.assetB, d.amountB);
    }

    /**
     * @notice Moves `account`'s whole credited balance of `asset` to `recipient` under a legal order (for
     * example the held refund of a blocked address). Works while paused.
     *
     * Requirements: LEGAL_ORDER_ROLE; `orderRef` non-zero; `recipient` non-zero and not `account`;
     * `account` has a credit of `asset`.
     *
     * Emits a {CreditDirected} event.
     */
    function directCredit(address account, address asset, address recipient, bytes32 orderRef)
        external
        nonReentrant
        onlyRole(LEGAL_ORDER_ROLE)
    {
        if (orderRef == bytes32(0)) revert ReferenceEmpty();
        if (recipient == address(0) || recipient == account) revert InvalidRecipient(recipient);
        _requireCallerNotBlocked(0);
        uint256 amount = _credits[asset][account];
        if (amount == 0) revert NothingToWithdraw(account, asset);
        _credits[asset][account] = 0;
        _credits[asset][recipient] += amount;
        emit CreditDirected(account, asset, amount, recipient, orderRef);
    }

    // ───────────────────────────── withdrawals ─────────────────────────────

    /**
     * @notice Sends the caller its whole credited balance of `asset` (`address(0)` = ETH). Works while
     * paused. The credit is zeroed before the transfer (checks-effects-interactions) and re-entry is refused.
     *
     * Requirements: the caller is not blocked (ILLICIT-ADDRESS: the credit is held); it has a credit of
     * `asset`; the transfer succeeds.
     *
     * Emits a {Withdrawn} event.
     */
    function withdraw(address asset) external nonReentrant {
        _withdraw(asset, msg.sender);
    }

    /**
     * @notice As {withdraw}, but pays `payee`, an address the caller names (for example when the caller's own
     * address refuses ETH). The credit is the caller's; the payee is screened like the caller.
     *
     * Requirements: as {withdraw}; `payee` non-zero and not blocked (ILLICIT-ADDRESS).
     *
     * Emits a {Withdrawn} and a {PaidToPayee} event.
     */
    function withdrawTo(address asset, address payee) external nonReentrant {
        if (payee == address(0)) revert InvalidRecipient(payee);
        if (_registry.isBlocked(payee)) revert WithdrawalRestricted(RuleCodes.ILLICIT_ADDRESS, payee);
        _withdraw(asset, payee);
    }

    /**
     * @notice Sends `to` the escrow's surplus of `asset` (`address(0)` = ETH): what it holds above what it owes
     * ({lockedIn} + {totalCredits}), e.g. tokens sent to the escrow by mistake. Owed funds are never swept.
     *
     * Requirements: OPERATOR_ROLE; the caller is not blocked; `ref` non-zero; `to` non-zero and not blocked;
     * there is a surplus.
     *
     * Emits a {SurplusSwept} event.
     */
    function sweep(address asset, address to, bytes32 ref) external nonReentrant onlyRole(OPERATOR_ROLE) {
        if (ref == bytes32(0)) revert ReferenceEmpty();
        _requireCallerNotBlocked(0);
        if (to == address(0)) revert InvalidRecipient(to);
        if (_registry.isBlocked(to)) revert WithdrawalRestricted(RuleCodes.ILLICIT_ADDRESS, to);
        uint256 held = asset == address(0) ? address(this).balance : IERC20(asset).balanceOf(address(this));
        uint256 owed = _locked[asset] + _totalCredits[asset];
        if (held <= owed) revert NoSurplus(asset, held, owed);
        uint256 amount = held - owed;
        emit SurplusSwept(asset, to, amount, ref, msg.sender);
        _send(asset, to, amount);
    }

    // ───────────────────────────── administration ─────────────────────────────

    /**
     * @notice Accepts the current terms of a token (e.g. a decree8 compliant token) on behalf of the escrow,
     * so the escrow may receive it.
     *
     * Requirements: OPERATOR_ROLE; the token accepts `version` and `contentHash` as its current terms.
     *
     * Emits the token's {TermsAccepted} event.
     */
    function acceptTokenTerms(address token, uint32 version, bytes32 contentHash)
        external
        onlyRole(OPERATOR_ROLE)
    {
        _requireCallerNotBlocked(0);
        TermsBound(token).acceptTerms(version, contentHash);
    }

    /**
     * @notice Pauses new deals, acceptances, funding and releases (OVERSIGHT-PAUSE).
     *
     * Requirements: OVERSIGHT_ROLE; not paused.
     *
     * Emits a {Paused} event.
     */
    function pause() external onlyRole(OVERSIGHT_ROLE) {
        _requireCallerNotBlocked(0);
        _pause();
    }

    /**
     * @notice Lifts the pause (OVERSIGHT-PAUSE).
     *
     * Requirements: OVERSIGHT_ROLE; paused.
     *
     * Emits an {Unpaused} event.
     */
    function unpause() external onlyRole(OVERSIGHT_ROLE) {
        _requireCallerNotBlocked(0);
        _unpause();
    }

    // ───────────────────────────── views ─────────────────────────────

    /// @notice The deal with id `dealId`. Reverts with {UnknownDeal} for an unknown id.
    function dealOf(uint256 dealId) external view returns (Deal memory) {
        return _deal(dealId);
    }

    /// @notice The number of deals opened so far (ids run from 1 to this number).
    function dealCount() external view returns (uint256) {
        return _dealCount;
    }

    /// @notice `account`'s credited, unwithdrawn balance of `asset` (`address(0)` = ETH).
    function creditOf(address account, address asset) external view returns (uint256) {
        return _credits[asset][account];
    }

    /// @notice The sum of all credited, unwithdrawn balances of `asset`.
    function totalCredits(address asset) external view returns (uint256) {
        return _totalCredits[asset];
    }

    /// @notice The sum of funded, unreleased legs in `asset`.
    function lockedIn(address asset) external view returns (uint256) {
        return _locked[asset];
    }

    /// @notice The HTP registration reference of the operator running this escrow, fixed at deployment.
    function operatorRegistration() external view returns (bytes32) {
        return _operatorRegistration;
    }

    /// @notice The furthest ahead a new deal's deadline may lie. A derived contract may override it (it must
    /// stay bounded, so that FUNDS-RETURN cannot be postponed for ever).
    function maxDealDuration() public view virtual returns (uint64) {
        return DEFAULT_MAX_DEAL_DURATION;
    }

    /// @notice The holder registry consulted for every party.
    function registry() external view returns (IHolderRegistry) {
        return _registry;
    }

    /**
     * @notice The first rule (see {RuleCodes}) that keeps `account` out of deals now, or 0 if none, in the
     * compliant token's order: ILLICIT-ADDRESS, then HOLDER-IDENTIFIED, then HOLDER-ELIGIBLE.
     */
    function admissionCode(address account) public view returns (uint8) {
        IHolderRegistry.HolderStatus memory status = _registry.statusOf(account);
        if (status.blocked) return RuleCodes.ILLICIT_ADDRESS;
        if (!status.identified) return RuleCodes.HOLDER_IDENTIFIED;
        if (!status.eligible) return RuleCodes.HOLDER_ELIGIBLE;
        return RuleCodes.SUCCESS;
    }

    // ───────────────────────────── internals ─────────────────────────────

    /**
     * @dev Extension point, empty by default: called by {openDeal} once deal `dealId` is recorded (readable with
     * {dealOf}) and before it is announced. Revert to refuse the deal. No value moves on opening.
     */
    function _beforeDealOpened(uint256 dealId) internal virtual {}

    /**
     * @dev Extension point, empty by default: called by {fund} after every check and before any effect, so
     * before `depositor`'s funds move into the escrow (the deal still shows the leg unfunded). Revert to refuse.
     */
    function _beforeDealFunded(uint256 dealId, address depositor) internal virtual {}

    /**
     * @dev Extension point, empty by default: called by {complete} and {resolve} after every check and before
     * any effect, so before the deal's funds are credited to its parties. Revert to refuse the release (the deal
     * can still be refunded after its deadline: refunds and legal orders never call the hooks).
     */
    function _beforeDealReleased(uint256 dealId) internal virtual {}

    function _authorizeTermsAmendment() internal view override {
        _checkRole(TERMS_ADMIN_ROLE);
        _requireCallerNotBlocked(0);
    }

    /// @dev Sends the caller's whole credit of `asset` to `payee` (checks-effects-interactions).
    function _withdraw(address asset, address payee) private {
        if (_registry.isBlocked(msg.sender)) revert WithdrawalRestricted(RuleCodes.ILLICIT_ADDRESS, msg.sender);
        uint256 amount = _credits[asset][msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender, asset);
        _credits[asset][msg.sender] = 0;
        _totalCredits[asset] -= amount;
        emit Withdrawn(msg.sender, asset, amount);
        if (payee != msg.sender) emit PaidToPayee(msg.sender, asset, payee, amount);
        _send(asset, payee, amount);
    }

    function _send(address asset, address to, uint256 amount) private {
        if (asset == address(0)) {
            // slither-disable-next-line arbitrary-send-eth -- `to` is the caller (its own credit, zeroed first), the payee it names for that credit, or the operator's recorded sweep of the surplus above what is owed
            (bool ok,) = payable(to).call{value: amount}("");
            if (!ok) revert EthTransferFailed(to, amount);
        } else {
            IERC20(asset).safeTransfer(to, amount);
        }
    }

    /// @dev ILLICIT-ADDRESS: no state-changing call comes from an address on the register.
    function _requireCallerNotBlocked(uint256 dealId) private view {
        if (_registry.isBlocked(msg.sender)) {
            if (dealId == 0) revert CallerRestricted(RuleCodes.ILLICIT_ADDRESS, msg.sender);
            revert DealRestricted(RuleCodes.ILLICIT_ADDRESS, dealId, msg.sender);
        }
    }

    function _deal(uint256 dealId) private view returns (Deal storage d) {
        d = _deals[dealId];
        if (d.state == DealState.None) revert UnknownDeal(dealId);
    }

    function _requireNotPausedFor(uint256 dealId) private view {
        if (paused()) revert DealRestricted(RuleCodes.OVERSIGHT_PAUSE, dealId, msg.sender);
    }

    function _requireState(uint256 dealId, Deal storage d, DealState expected) private view {
        if (d.state != expected) revert InvalidDealState(dealId, d.state);
    }

    function _requireUnfinished(uint256 dealId, Deal storage d) private view {
        DealState s = d.state;
        if (s != DealState.Open && s != DealState.Funded && s != DealState.Disputed) {
            revert InvalidDealState(dealId, s);
        }
    }

    function _requireNotFrozen(uint256 dealId, Deal storage d) private view {
        if (d.frozen) revert DealRestricted(RuleCodes.LEGAL_ORDER, dealId, msg.sender);
    }

    function _requireBeforeDeadline(uint256 dealId, Deal storage d) private view {
        if (block.timestamp >= d.deadline) revert DeadlinePassed(dealId, d.deadline);
    }

    function _requireEscrowTermsAccepted(uint256 dealId, address party) private view {
        if (!hasAcceptedCurrentTerms(party)) revert DealRestricted(RuleCodes.TERMS_ACCEPTED, dealId, party);
    }

    function _requireAdmissible(uint256 dealId, address party) private view {
        uint8 code = admissionCode(party);
        if (code != RuleCodes.SUCCESS) revert DealRestricted(code, dealId, party);
    }

    function _requireValidLeg(uint8 leg, address asset, uint256 amount) private view {
        if (amount == 0) revert InvalidLeg(leg, asset, amount);
        if (asset != address(0) && asset.code.length == 0) revert AssetNotContract(asset);
    }

    /// @dev Moves `amount` of a funded leg from locked to `to`'s credit.
    function _release(uint256 dealId, address to, address asset, uint256 amount) private {
        _locked[asset] -= amount;
        _credits[asset][to] += amount;
        _totalCredits[asset] += amount;
        emit Credited(to, asset, amount, dealId);
    }

    function _split(uint256 dealId, Deal storage d, address asset, uint256 amount, uint16 toPartyABps) private {
        uint256 toA = Math.mulDiv(amount, toPartyABps, _BPS);
        uint256 toB = amount - toA;
        if (toA != 0) _release(dealId, d.partyA, asset, toA);
        if (toB != 0) _release(dealId, d.partyB, asset, toB);
    }
}
